package dev.cairn.erasure;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The split-nibble kernel on the Java Vector API: {@code c * b = low_c[b & 15] ^ high_c[b >>> 4]},
 * each half a 16-entry table looked up for a whole vector of bytes by one byte shuffle (PSHUFB on
 * x86, TBL on ARM). Each pass loads a vector of every input once, splits it into nibbles once, and
 * adds its products into up to {@value #GROUP} outputs held in registers; the tables (32 bytes
 * per coefficient, the layout of ISA-L's {@code ec_init_tables}, widened to the vector) are read
 * from one array that stays in the L1 cache. Shards are walked in blocks of {@value #BLOCK_BYTES}
 * bytes so that a matrix with more than {@value #GROUP} rows reads its inputs from the cache on
 * its second pass. Bytes past the last whole vector go to the scalar kernel.
 *
 * <p>One species for the whole JVM ({@link #SPECIES}): a call site that saw two vector widths is
 * compiled polymorphic and runs several times slower.
 */
final class VectorKernel implements Kernel {
    /** Outputs computed per pass: 4 accumulators, the input, its two nibbles and a table fit in 16 registers. */
    static final int GROUP = 4;

    static final int BLOCK_BYTES = 32 * 1024;

    static final VectorSpecies<Byte> SPECIES = species(Kernels.vectorBits());

    private static final int LANES = SPECIES.length();
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    static final VectorKernel INSTANCE = new VectorKernel();

    private VectorKernel() {}

    /** The species of {@code bits} bits (0: the widest the machine has). */
    private static VectorSpecies<Byte> species(int bits) {
        return bits == 0 ? ByteVector.SPECIES_PREFERRED : VectorSpecies.of(byte.class, VectorShape.forBitSize(bits));
    }

    /** The widest byte vector this JVM has, in bits. */
    static int widestBits() {
        return ByteVector.SPECIES_PREFERRED.vectorBitSize();
    }

    @Override
    public String name() {
        return "vector-" + SPECIES.vectorBitSize();
    }

    @Override
    public Product prepare(byte[][] rows) {
        byte[][] copy = ScalarKernel.copyOf(rows);
        int inputs = rows[0].length;
        // Row r, input j: the low-nibble table, then the high-nibble one, each repeated to fill a vector.
        byte[] tables = new byte[rows.length * inputs * 2 * LANES];
        byte[] one = new byte[32];
        for (int r = 0; r < rows.length; r++) {
            for (int j = 0; j < inputs; j++) {
                Galois.nibbleTables(rows[r][j], one, 0);
                int at = (r * inputs + j) * 2 * LANES;
                for (int lane = 0; lane < LANES; lane += 16) {
                    System.arraycopy(one, 0, tables, at + lane, 16);
                    System.arraycopy(one, 16, tables, at + LANES + lane, 16);
                }
            }
        }
        return (in, out, length) -> apply(copy, tables, in, out, length);
    }

    private static void apply(byte[][] rows, byte[] tables, MemorySegment[] in, MemorySegment[] out, long length) {
        long whole = length - length % LANES;
        for (long block = 0; block < whole; block += BLOCK_BYTES) {
            long end = Math.min(block + BLOCK_BYTES, whole);
            for (int r = 0; r < rows.length; r += GROUP) {
                switch (Math.min(GROUP, rows.length - r)) {
                    case 4 -> pass4(tables, r, in, out, block, end);
                    case 3 -> pass3(tables, r, in, out, block, end);
                    case 2 -> pass2(tables, r, in, out, block, end);
                    default -> pass1(tables, r, in, out[r], block, end);
                }
            }
        }
        if (whole < length) {
            ScalarKernel.apply(rows, in, out, whole, length);
        }
    }

    private static ByteVector load(MemorySegment s, long at) {
        return ByteVector.fromMemorySegment(SPECIES, s, at, ORDER);
    }

    private static ByteVector table(byte[] tables, int at) {
        return ByteVector.fromArray(SPECIES, tables, at);
    }

    private static VectorShuffle<Byte> low(ByteVector x) {
        return x.and((byte) 0x0f).toShuffle();
    }

    /** The high nibbles: a 16-bit shift (x86 has no byte shift) and a mask. */
    private static VectorShuffle<Byte> high(ByteVector x) {
        return x.reinterpretAsShorts()
                .lanewise(VectorOperators.LSHR, 4)
                .reinterpretAsBytes()
                .and((byte) 0x0f)
                .toShuffle();
    }

    /** {@code sum + c * x} where {@code at} is c's tables. */
    private static ByteVector madd(
            ByteVector sum, byte[] tables, int at, VectorShuffle<Byte> low, VectorShuffle<Byte> high) {
        return sum.lanewise(VectorOperators.XOR, table(tables, at).rearrange(low))
                .lanewise(VectorOperators.XOR, table(tables, at + LANES).rearrange(high));
    }

    private static void pass1(byte[] tables, int r, MemorySegment[] in, MemorySegment out, long from, long to) {
        int k = in.length;
        int step = 2 * LANES;
        for (long i = from; i < to; i += LANES) {
            ByteVector s0 = ByteVector.zero(SPECIES);
            int t = r * k * step;
            for (int j = 0; j < k; j++, t += step) {
                ByteVector x = load(in[j], i);
                s0 = madd(s0, tables, t, low(x), high(x));
            }
            s0.intoMemorySegment(out, i, ORDER);
        }
    }

    private static void pass2(byte[] tables, int r, MemorySegment[] in, MemorySegment[] out, long from, long to) {
        int k = in.length;
        int step = 2 * LANES;
        int row = k * step;
        for (long i = from; i < to; i += LANES) {
            ByteVector s0 = ByteVector.zero(SPECIES);
            ByteVector s1 = s0;
            int t = r * row;
            for (int j = 0; j < k; j++, t += step) {
                ByteVector x = load(in[j], i);
                VectorShuffle<Byte> lo = low(x);
                VectorShuffle<Byte> hi = high(x);
                s0 = madd(s0, tables, t, lo, hi);
                s1 = madd(s1, tables, t + row, lo, hi);
            }
            s0.intoMemorySegment(out[r], i, ORDER);
            s1.intoMemorySegment(out[r + 1], i, ORDER);
        }
    }

    private static void pass3(byte[] tables, int r, MemorySegment[] in, MemorySegment[] out, long from, long to) {
        int k = in.length;
        int step = 2 * LANES;
        int row = k * step;
        for (long i = from; i < to; i += LANES) {
            ByteVector s0 = ByteVector.zero(SPECIES);
            ByteVector s1 = s0;
            ByteVector s2 = s0;
            int t = r * row;
            for (int j = 0; j < k; j++, t += step) {
                ByteVector x = load(in[j], i);
                VectorShuffle<Byte> lo = low(x);
                VectorShuffle<Byte> hi = high(x);
                s0 = madd(s0, tables, t, lo, hi);
                s1 = madd(s1, tables, t + row, lo, hi);
                s2 = madd(s2, tables, t + 2 * row, lo, hi);
            }
            s0.intoMemorySegment(out[r], i, ORDER);
            s1.intoMemorySegment(out[r + 1], i, ORDER);
            s2.intoMemorySegment(out[r + 2], i, ORDER);
        }
    }

    private static void pass4(byte[] tables, int r, MemorySegment[] in, MemorySegment[] out, long from, long to) {
        int k = in.length;
        int step = 2 * LANES;
        int row = k * step;
        for (long i = from; i < to; i += LANES) {
            ByteVector s0 = ByteVector.zero(SPECIES);
            ByteVector s1 = s0;
            ByteVector s2 = s0;
            ByteVector s3 = s0;
            int t = r * row;
            for (int j = 0; j < k; j++, t += step) {
                ByteVector x = load(in[j], i);
                VectorShuffle<Byte> lo = low(x);
                VectorShuffle<Byte> hi = high(x);
                s0 = madd(s0, tables, t, lo, hi);
                s1 = madd(s1, tables, t + row, lo, hi);
                s2 = madd(s2, tables, t + 2 * row, lo, hi);
                s3 = madd(s3, tables, t + 3 * row, lo, hi);
            }
            s0.intoMemorySegment(out[r], i, ORDER);
            s1.intoMemorySegment(out[r + 1], i, ORDER);
            s2.intoMemorySegment(out[r + 2], i, ORDER);
            s3.intoMemorySegment(out[r + 3], i, ORDER);
        }
    }
}
