package dev.cairn.erasure;

import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.XOR;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The split-nibble kernel on the Java Vector API: {@code c * b = low_c[b & 15] ^ high_c[b >>> 4]},
 * each half a 16-entry table looked up for a whole vector of bytes by one byte shuffle (PSHUFB on
 * x86, TBL on ARM).
 *
 * <p>Shards are walked in blocks of {@value #BLOCK_BYTES} bytes, so that what one block touches
 * stays in the L1 cache. In a block, a pass takes two inputs and up to {@value #GROUP} outputs:
 * their tables (2 per input and output) are loaded into registers once, then for every vector of
 * the block it loads each input once, splits it into nibbles once, and adds the products into the
 * outputs (zeroed at the start of the block, then added to by every pass). Two inputs per pass
 * halve the outputs' loads and stores against one; more would need more tables than the 16 vector
 * registers of x86 hold. An odd input count gets a last pass whose second input has zero tables.
 * Bytes past the last whole vector go to the scalar kernel.
 *
 * <p>One species for the whole JVM ({@link #SPECIES}): a call site that saw two vector widths is
 * compiled polymorphic and runs several times slower. The width is 128 bits unless asked
 * otherwise ({@link Kernels#VECTOR_BITS}): a wider byte shuffle crosses 128-bit lanes, which AVX2
 * does with two shuffles, a lane swap and a blend where it has one instruction for 128 bits (the
 * README has the figures).
 */
final class VectorKernel implements Kernel {
    /** Outputs per pass: 3 outputs times 2 inputs times 2 tables, plus the nibbles, fill 16 registers. */
    static final int GROUP = 3;

    static final int BLOCK_BYTES = 4 * 1024;

    static final VectorSpecies<Byte> SPECIES = species(Kernels.vectorBits());

    private static final int LANES = SPECIES.length();
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    static final VectorKernel INSTANCE = new VectorKernel();

    private VectorKernel() {}

    /** The species of {@code bits} bits. */
    private static VectorSpecies<Byte> species(int bits) {
        return VectorSpecies.of(byte.class, VectorShape.forBitSize(bits));
    }

    @Override
    public String name() {
        return "vector-" + SPECIES.vectorBitSize();
    }

    @Override
    public Product prepare(byte[][] rows) {
        byte[][] copy = ScalarKernel.copyOf(rows);
        int inputs = rows[0].length;
        int columns = inputs + (inputs & 1); // even: an odd last input is paired with zero tables
        // Row r, column j: the low-nibble table, then the high-nibble one, each repeated to fill a vector.
        byte[] tables = new byte[rows.length * columns * 2 * LANES];
        byte[] one = new byte[32];
        for (int r = 0; r < rows.length; r++) {
            for (int j = 0; j < inputs; j++) {
                Galois.nibbleTables(rows[r][j], one, 0);
                int at = (r * columns + j) * 2 * LANES;
                for (int lane = 0; lane < LANES; lane += 16) {
                    System.arraycopy(one, 0, tables, at + lane, 16);
                    System.arraycopy(one, 16, tables, at + LANES + lane, 16);
                }
            }
        }
        return (in, out, length) -> apply(copy, tables, columns, in, out, length);
    }

    private static void apply(
            byte[][] rows, byte[] tables, int columns, MemorySegment[] in, MemorySegment[] out, long length) {
        long whole = length - length % LANES;
        int k = in.length;
        int m = out.length;
        int row = columns * 2 * LANES;
        MemorySegment[] ins = new MemorySegment[k];
        MemorySegment[] outs = new MemorySegment[m];
        for (long block = 0; block < whole; block += BLOCK_BYTES) {
            long n = Math.min(BLOCK_BYTES, whole - block);
            for (int j = 0; j < k; j++) {
                ins[j] = in[j].asSlice(block, n);
            }
            for (int r = 0; r < m; r++) {
                outs[r] = out[r].asSlice(block, n);
                outs[r].fill((byte) 0);
            }
            // Groups as even as GROUP allows: 4 outputs are 2 + 2, not 3 + 1.
            int groups = (m + GROUP - 1) / GROUP;
            for (int r = 0, left = m; left > 0; groups--) {
                int g = (left + groups - 1) / groups;
                for (int j = 0; j < k; j += 2) {
                    int t = (r * columns + j) * 2 * LANES;
                    MemorySegment a = ins[j];
                    MemorySegment b = ins[Math.min(j + 1, k - 1)];
                    switch (g) {
                        case 3 -> Passes.add3(tables, t, row, a, b, outs[r], outs[r + 1], outs[r + 2]);
                        case 2 -> Passes.add2(tables, t, row, a, b, outs[r], outs[r + 1]);
                        default -> Passes.add1(tables, t, a, b, outs[r]);
                    }
                }
                r += g;
                left -= g;
            }
        }
        if (whole < length) {
            ScalarKernel.apply(rows, in, out, whole, length);
        }
    }

    /**
     * The passes, by number of outputs: each adds the products of inputs a and b (a block of each;
     * a again as b for an odd last input, whose tables are zero) to the same block of its outputs.
     * The tables of input a for output q are at {@code t + q * row}, input b's right after. Written
     * out in full, one loop per method, without helper methods. Each of these was measured (8+3, 1
     * MiB shards): a vector operation in a helper the JIT did not inline ("callee is too large") is
     * a boxed object, and the kernel ran at a tenth of its speed; a method holding a second loop (a
     * first pass that stores rather than adds) ran at 0.8; taking the shard arrays and indexes and
     * loading the segments inside the pass, at 0.55.
     */
    private static final class Passes {
        private static final byte NIBBLE = 0x0f;

        static void add1(byte[] tables, int t, MemorySegment a, MemorySegment b, MemorySegment o0) {
            int u = t + 2 * LANES;
            ByteVector al0 = ByteVector.fromArray(SPECIES, tables, t);
            ByteVector ah0 = ByteVector.fromArray(SPECIES, tables, t + LANES);
            ByteVector bl0 = ByteVector.fromArray(SPECIES, tables, u);
            ByteVector bh0 = ByteVector.fromArray(SPECIES, tables, u + LANES);
            for (long at = 0, to = a.byteSize(); at < to; at += LANES) {
                ByteVector x = ByteVector.fromMemorySegment(SPECIES, a, at, ORDER);
                ByteVector y = ByteVector.fromMemorySegment(SPECIES, b, at, ORDER);
                ByteVector xh = x.reinterpretAsShorts()
                        .lanewise(LSHR, 4)
                        .reinterpretAsBytes()
                        .and(NIBBLE);
                ByteVector yh = y.reinterpretAsShorts()
                        .lanewise(LSHR, 4)
                        .reinterpretAsBytes()
                        .and(NIBBLE);
                x = x.and(NIBBLE);
                y = y.and(NIBBLE);
                x.selectFrom(al0)
                        .lanewise(XOR, xh.selectFrom(ah0))
                        .lanewise(XOR, y.selectFrom(bl0))
                        .lanewise(XOR, yh.selectFrom(bh0))
                        .lanewise(XOR, ByteVector.fromMemorySegment(SPECIES, o0, at, ORDER))
                        .intoMemorySegment(o0, at, ORDER);
            }
        }

        static void add2(
                byte[] tables, int t, int row, MemorySegment a, MemorySegment b, MemorySegment o0, MemorySegment o1) {
            int u = t + 2 * LANES;
            ByteVector al0 = ByteVector.fromArray(SPECIES, tables, t);
            ByteVector ah0 = ByteVector.fromArray(SPECIES, tables, t + LANES);
            ByteVector bl0 = ByteVector.fromArray(SPECIES, tables, u);
            ByteVector bh0 = ByteVector.fromArray(SPECIES, tables, u + LANES);
            ByteVector al1 = ByteVector.fromArray(SPECIES, tables, t + row);
            ByteVector ah1 = ByteVector.fromArray(SPECIES, tables, t + row + LANES);
            ByteVector bl1 = ByteVector.fromArray(SPECIES, tables, u + row);
            ByteVector bh1 = ByteVector.fromArray(SPECIES, tables, u + row + LANES);
            for (long at = 0, to = a.byteSize(); at < to; at += LANES) {
                ByteVector x = ByteVector.fromMemorySegment(SPECIES, a, at, ORDER);
                ByteVector y = ByteVector.fromMemorySegment(SPECIES, b, at, ORDER);
                ByteVector xh = x.reinterpretAsShorts()
                        .lanewise(LSHR, 4)
                        .reinterpretAsBytes()
                        .and(NIBBLE);
                ByteVector yh = y.reinterpretAsShorts()
                        .lanewise(LSHR, 4)
                        .reinterpretAsBytes()
                        .and(NIBBLE);
                x = x.and(NIBBLE);
                y = y.and(NIBBLE);
                x.selectFrom(al0)
                        .lanewise(XOR, xh.selectFrom(ah0))
                        .lanewise(XOR, y.selectFrom(bl0))
                        .lanewise(XOR, yh.selectFrom(bh0))
                        .lanewise(XOR, ByteVector.fromMemorySegment(SPECIES, o0, at, ORDER))
                        .intoMemorySegment(o0, at, ORDER);
                x.selectFrom(al1)
                        .lanewise(XOR, xh.selectFrom(ah1))
                        .lanewise(XOR, y.selectFrom(bl1))
                        .lanewise(XOR, yh.selectFrom(bh1))
                        .lanewise(XOR, ByteVector.fromMemorySegment(SPECIES, o1, at, ORDER))
                        .intoMemorySegment(o1, at, ORDER);
            }
        }

        static void add3(
                byte[] tables,
                int t,
                int row,
                MemorySegment a,
                MemorySegment b,
                MemorySegment o0,
                MemorySegment o1,
                MemorySegment o2) {
            int u = t + 2 * LANES;
            ByteVector al0 = ByteVector.fromArray(SPECIES, tables, t);
            ByteVector ah0 = ByteVector.fromArray(SPECIES, tables, t + LANES);
            ByteVector bl0 = ByteVector.fromArray(SPECIES, tables, u);
            ByteVector bh0 = ByteVector.fromArray(SPECIES, tables, u + LANES);
            ByteVector al1 = ByteVector.fromArray(SPECIES, tables, t + row);
            ByteVector ah1 = ByteVector.fromArray(SPECIES, tables, t + row + LANES);
            ByteVector bl1 = ByteVector.fromArray(SPECIES, tables, u + row);
            ByteVector bh1 = ByteVector.fromArray(SPECIES, tables, u + row + LANES);
            ByteVector al2 = ByteVector.fromArray(SPECIES, tables, t + 2 * row);
            ByteVector ah2 = ByteVector.fromArray(SPECIES, tables, t + 2 * row + LANES);
            ByteVector bl2 = ByteVector.fromArray(SPECIES, tables, u + 2 * row);
            ByteVector bh2 = ByteVector.fromArray(SPECIES, tables, u + 2 * row + LANES);
            for (long at = 0, to = a.byteSize(); at < to; at += LANES) {
                ByteVector x = ByteVector.fromMemorySegment(SPECIES, a, at, ORDER);
                ByteVector y = ByteVector.fromMemorySegment(SPECIES, b, at, ORDER);
                ByteVector xh = x.reinterpretAsShorts()
                        .lanewise(LSHR, 4)
                        .reinterpretAsBytes()
                        .and(NIBBLE);
                ByteVector yh = y.reinterpretAsShorts()
                        .lanewise(LSHR, 4)
                        .reinterpretAsBytes()
                        .and(NIBBLE);
                x = x.and(NIBBLE);
                y = y.and(NIBBLE);
                x.selectFrom(al0)
                        .lanewise(XOR, xh.selectFrom(ah0))
                        .lanewise(XOR, y.selectFrom(bl0))
                        .lanewise(XOR, yh.selectFrom(bh0))
                        .lanewise(XOR, ByteVector.fromMemorySegment(SPECIES, o0, at, ORDER))
                        .intoMemorySegment(o0, at, ORDER);
                x.selectFrom(al1)
                        .lanewise(XOR, xh.selectFrom(ah1))
                        .lanewise(XOR, y.selectFrom(bl1))
                        .lanewise(XOR, yh.selectFrom(bh1))
                        .lanewise(XOR, ByteVector.fromMemorySegment(SPECIES, o1, at, ORDER))
                        .intoMemorySegment(o1, at, ORDER);
                x.selectFrom(al2)
                        .lanewise(XOR, xh.selectFrom(ah2))
                        .lanewise(XOR, y.selectFrom(bl2))
                        .lanewise(XOR, yh.selectFrom(bh2))
                        .lanewise(XOR, ByteVector.fromMemorySegment(SPECIES, o2, at, ORDER))
                        .intoMemorySegment(o2, at, ORDER);
            }
        }
    }
}
