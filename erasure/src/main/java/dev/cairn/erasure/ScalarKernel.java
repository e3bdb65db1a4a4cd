package dev.cairn.erasure;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The plain kernel: one lookup in the 64 KiB product table per byte and coefficient, over blocks
 * copied into arrays (a bulk copy costs less than a bounds-checked access per byte). It runs
 * anywhere; the vector kernel uses it for the bytes past its last whole vector.
 */
final class ScalarKernel implements Kernel {
    static final ScalarKernel INSTANCE = new ScalarKernel();

    private static final int BLOCK_BYTES = 4096;

    private ScalarKernel() {}

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public Product prepare(byte[][] rows) {
        byte[][] copy = copyOf(rows);
        return (in, out, length) -> apply(copy, in, out, 0, length);
    }

    /** Applies {@code rows} to the bytes {@code [from, to)} of every segment. */
    static void apply(byte[][] rows, MemorySegment[] in, MemorySegment[] out, long from, long to) {
        byte[] products = Galois.products();
        byte[] source = new byte[(int) Math.min(BLOCK_BYTES, Math.max(0, to - from))];
        byte[][] sums = new byte[rows.length][source.length];
        for (long at = from; at < to; at += BLOCK_BYTES) {
            int n = (int) Math.min(BLOCK_BYTES, to - at);
            for (byte[] sum : sums) {
                Arrays.fill(sum, 0, n, (byte) 0);
            }
            for (int j = 0; j < in.length; j++) {
                MemorySegment.copy(in[j], ValueLayout.JAVA_BYTE, at, source, 0, n);
                for (int r = 0; r < rows.length; r++) {
                    int c = rows[r][j] & 0xff;
                    if (c == 0) {
                        continue;
                    }
                    byte[] sum = sums[r];
                    int base = c << 8;
                    for (int i = 0; i < n; i++) {
                        sum[i] ^= products[base | (source[i] & 0xff)];
                    }
                }
            }
            for (int r = 0; r < rows.length; r++) {
                MemorySegment.copy(sums[r], 0, out[r], ValueLayout.JAVA_BYTE, at, n);
            }
        }
    }

    static byte[][] copyOf(byte[][] rows) {
        byte[][] copy = new byte[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            copy[r] = rows[r].clone();
        }
        return copy;
    }
}
