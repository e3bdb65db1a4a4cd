package dev.cairn.erasure.isal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * ISA-L's erasure code (Debian's {@code libisal2}) through the FFM API: the reference Cairn's codec
 * is cross-checked and measured against, in tests and benchmarks only (Cairn never needs it to run).
 */
@SuppressWarnings("restricted") // native access is what this class is for
public final class IsaL {
    /** The shared library's name as Debian installs it. */
    public static final String LIBRARY = "libisal.so.2";

    private final MethodHandle cauchy;
    private final MethodHandle initTables;
    private final MethodHandle encodeData;
    private final MethodHandle invertMatrix;

    private IsaL(SymbolLookup lib) {
        Linker linker = Linker.nativeLinker();
        cauchy = linker.downcallHandle(
                lib.findOrThrow("gf_gen_cauchy1_matrix"), FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT));
        initTables = linker.downcallHandle(
                lib.findOrThrow("ec_init_tables"), FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        encodeData = linker.downcallHandle(
                lib.findOrThrow("ec_encode_data"),
                FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS),
                Linker.Option.critical(false));
        invertMatrix = linker.downcallHandle(
                lib.findOrThrow("gf_invert_matrix"), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    }

    /** ISA-L if this machine has it; empty (with nothing thrown) if not. */
    public static Optional<IsaL> load() {
        try {
            return Optional.of(new IsaL(SymbolLookup.libraryLookup(LIBRARY, Arena.global())));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // the library is not installed
        }
    }

    /** {@code gf_gen_cauchy1_matrix}: the (k + m) x k generator, row after row. */
    public byte[] cauchyMatrix(int k, int m) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate((long) (k + m) * k);
            cauchy.invokeExact(a, k + m, k);
            return a.toArray(JAVA_BYTE);
        } catch (Throwable t) {
            throw new IllegalStateException("gf_gen_cauchy1_matrix failed", t);
        }
    }

    /** {@code gf_invert_matrix}: the inverse of the n x n matrix {@code a} (row after row). */
    public byte[] invert(byte[] a, int n) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocateFrom(JAVA_BYTE, a);
            MemorySegment out = arena.allocate((long) n * n);
            int failed = (int) invertMatrix.invokeExact(in, out, n);
            if (failed != 0) {
                throw new IllegalArgumentException("gf_invert_matrix: the matrix is singular");
            }
            return out.toArray(JAVA_BYTE);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("gf_invert_matrix failed", t);
        }
    }

    /**
     * A matrix of {@code rows.length / inputs} rows of {@code inputs} coefficients prepared by {@code
     * ec_init_tables}, applied by {@code ec_encode_data} to native buffers it keeps pointers to.
     */
    public Product prepare(byte[] rows, int inputs, MemorySegment[] in, MemorySegment[] out, Arena arena) {
        int count = rows.length / inputs;
        if (in.length != inputs || out.length != count) {
            throw new IllegalArgumentException(count + " rows of " + inputs + " need as many outputs and inputs, not "
                    + out.length + " and " + in.length);
        }
        MemorySegment tables = arena.allocate(32L * rows.length, 64);
        try {
            initTables.invokeExact(inputs, count, arena.allocateFrom(JAVA_BYTE, rows), tables);
        } catch (Throwable t) {
            throw new IllegalStateException("ec_init_tables failed", t);
        }
        return new Product(inputs, count, tables, pointers(in, arena), pointers(out, arena));
    }

    private static MemorySegment pointers(MemorySegment[] buffers, Arena arena) {
        MemorySegment array = arena.allocate(ADDRESS, buffers.length);
        for (int i = 0; i < buffers.length; i++) {
            if (!buffers[i].isNative()) {
                throw new IllegalArgumentException("ISA-L works on native memory (direct buffers) only");
            }
            array.setAtIndex(ADDRESS, i, buffers[i]);
        }
        return array;
    }

    /** One prepared {@code ec_encode_data} call: its tables and its buffers. */
    public final class Product {
        private final int inputs;
        private final int rows;
        private final MemorySegment tables;
        private final MemorySegment in;
        private final MemorySegment out;

        private Product(int inputs, int rows, MemorySegment tables, MemorySegment in, MemorySegment out) {
            this.inputs = inputs;
            this.rows = rows;
            this.tables = tables;
            this.in = in;
            this.out = out;
        }

        /** Writes the first {@code length} bytes of every output. */
        public void apply(int length) {
            try {
                encodeData.invokeExact(length, inputs, rows, tables, in, out);
            } catch (Throwable t) {
                throw new IllegalStateException("ec_encode_data failed", t);
            }
        }
    }
}
