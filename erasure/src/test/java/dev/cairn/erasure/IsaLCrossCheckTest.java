package dev.cairn.erasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cairn.erasure.isal.IsaL;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cairn's parity against ISA-L's own {@code ec_encode_data} (Debian's libisal2, which {@code
 * .ci/run} installs), on random data over a grid of codes, odd lengths and unaligned positions.
 * Where ISA-L is missing these tests are skipped; {@link KnownAnswersTest} still holds Cairn to
 * answers ISA-L gave.
 */
class IsaLCrossCheckTest {
    static final int[][] CODES = {
        {1, 1}, {2, 2}, {3, 1}, {4, 2}, {6, 3}, {8, 3}, {10, 4}, {12, 4}, {17, 3}, {20, 4}, {28, 4}, {64, 8}
    };
    private static IsaL isal;

    @BeforeAll
    static void load() {
        isal = IsaL.load().orElse(null);
        assumeTrue(isal != null, IsaL.LIBRARY + " is not installed (apt-get install libisal2)");
    }

    @Test
    void theGeneratorIsIsaLsCauchyMatrix() {
        for (int[] km : CODES) {
            byte[][] ours = Matrix.cauchy(km[0], km[1]);
            byte[] flat = new byte[ours.length * km[0]];
            for (int r = 0; r < ours.length; r++) {
                System.arraycopy(ours[r], 0, flat, r * km[0], km[0]);
            }
            assertThat(flat).as("%d+%d", km[0], km[1]).isEqualTo(isal.cauchyMatrix(km[0], km[1]));
        }
    }

    @Test
    void parityIsIsaLsByteForByteOnEveryKernel() {
        SplittableRandom random = new SplittableRandom(42);
        int[] lengths = {1, 15, 16, 17, 31, 33, 63, 64, 65, 127, 1000, 4097, 65_537, 300_001};
        for (int[] km : CODES) {
            for (int length : lengths) {
                int k = km[0];
                int m = km[1];
                ByteBuffer[] data =
                        Shards.random(k, length, random.nextInt(17), random.nextBoolean(), random.nextLong());
                byte[][] expected = isalParity(k, m, data, length);
                for (Kernel kernel : new Kernel[] {ScalarKernel.INSTANCE, VectorKernel.INSTANCE}) {
                    ByteBuffer[] parity = Shards.empty(m, length, random.nextInt(17), random.nextBoolean());
                    ReedSolomon.of(k, m, kernel).encode(data, parity);
                    for (int p = 0; p < m; p++) {
                        assertThat(Shards.bytes(parity[p]))
                                .as("%d+%d, %d bytes, %s, parity %d", k, m, length, kernel.name(), p)
                                .isEqualTo(expected[p]);
                    }
                    assertThat(Shards.guardsIntact(parity)).isTrue();
                }
            }
        }
    }

    /** ISA-L's parity of {@code data}, computed on native copies. */
    static byte[][] isalParity(int k, int m, ByteBuffer[] data, int length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] in = new MemorySegment[k];
            for (int j = 0; j < k; j++) {
                in[j] = arena.allocate(length).copyFrom(MemorySegment.ofBuffer(data[j]));
            }
            MemorySegment[] out = new MemorySegment[m];
            for (int p = 0; p < m; p++) {
                out[p] = arena.allocate(length);
            }
            byte[] matrix = isal.cauchyMatrix(k, m);
            isal.prepare(Arrays.copyOfRange(matrix, k * k, matrix.length), k, in, out, arena)
                    .apply(length);
            byte[][] parity = new byte[m][];
            for (int p = 0; p < m; p++) {
                parity[p] = out[p].toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            }
            return parity;
        }
    }

    static IsaL isal() {
        return isal;
    }
}
