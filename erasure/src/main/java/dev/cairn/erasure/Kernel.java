package dev.cairn.erasure;

import java.lang.foreign.MemorySegment;

/**
 * The one operation Reed-Solomon needs: {@code out[r] = sum over j of rows[r][j] * in[j]}, byte by
 * byte in GF(2^8). Encoding is this with the parity rows of the generator; reconstruction with the
 * rows of an inverse. A kernel prepares a matrix once (its tables) and applies it to many shards.
 */
sealed interface Kernel permits ScalarKernel, VectorKernel {

    /** A matrix prepared for one kernel: immutable, shared by every thread. */
    interface Product {
        /**
         * Writes the first {@code length} bytes of every {@code out} from the first {@code length}
         * bytes of every {@code in} (one input per column, one output per row). Outputs must not
         * overlap inputs.
         */
        void apply(MemorySegment[] in, MemorySegment[] out, long length);
    }

    String name();

    /** Prepares {@code rows} (r rows of c coefficients, any r >= 1, c >= 1). */
    Product prepare(byte[][] rows);
}
