package dev.cairn.erasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ReedSolomonTest {

    static Stream<Kernel> kernels() {
        assertThat(Kernels.vectorAvailable())
                .as("the tests run with jdk.incubator.vector")
                .isTrue();
        return Stream.of(ScalarKernel.INSTANCE, VectorKernel.INSTANCE);
    }

    /** Every combination of up to {@code m} of {@code n} shard numbers. */
    private static List<int[]> patterns(int n, int m) {
        List<int[]> out = new ArrayList<>();
        for (int mask = 1; mask < 1 << n; mask++) {
            if (Integer.bitCount(mask) <= m) {
                int[] p = new int[Integer.bitCount(mask)];
                for (int s = 0, i = 0; s < n; s++) {
                    if ((mask >> s & 1) != 0) {
                        p[i++] = s;
                    }
                }
                out.add(p);
            }
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void everyPatternOfUpToMLostShardsIsRebuiltForSmallCodes(Kernel kernel) {
        int[][] codes = {{1, 1}, {2, 1}, {1, 3}, {3, 2}, {4, 2}, {5, 3}, {6, 3}, {4, 4}};
        for (int[] km : codes) {
            ReedSolomon rs = ReedSolomon.of(km[0], km[1], kernel);
            int length = 97; // whole vectors and a tail
            ByteBuffer[] data = Shards.random(rs.dataShards(), length, 3, false, km[0] * 31L + km[1]);
            ByteBuffer[] parity = Shards.empty(rs.parityShards(), length, 1, true);
            rs.encode(data, parity);
            ByteBuffer[] whole = Shards.concat(data, parity);
            List<byte[]> expected = Stream.of(whole).map(Shards::bytes).toList();
            for (int[] lost : patterns(rs.totalShards(), rs.parityShards())) {
                ByteBuffer[] shards = whole.clone();
                for (int s : lost) {
                    shards[s] = Shards.empty(1, length, 5, s % 2 == 0)[0];
                }
                rs.reconstruct(shards, lost);
                for (int s = 0; s < shards.length; s++) {
                    assertThat(Shards.bytes(shards[s]))
                            .as("%s, lost %s: shard %d", rs, java.util.Arrays.toString(lost), s)
                            .isEqualTo(expected.get(s));
                }
                assertThat(Shards.guardsIntact(shards)).isTrue();
                assertThat(rs.verify(shards)).isTrue();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void randomPatternsOfLargeCodesAreRebuilt(Kernel kernel) {
        SplittableRandom random = new SplittableRandom(7);
        int[][] codes = {{17, 3}, {20, 4}, {10, 4}, {200, 55}, {50, 12}};
        for (int[] km : codes) {
            ReedSolomon rs = ReedSolomon.of(km[0], km[1], kernel);
            int length = 1 + random.nextInt(3000);
            ByteBuffer[] data = Shards.random(rs.dataShards(), length, random.nextInt(9), true, random.nextLong());
            ByteBuffer[] parity = Shards.empty(rs.parityShards(), length, random.nextInt(9), false);
            rs.encode(data, parity);
            ByteBuffer[] whole = Shards.concat(data, parity);
            for (int trial = 0; trial < 20; trial++) {
                int count = 1 + random.nextInt(rs.parityShards());
                int[] lost =
                        random.ints(0, rs.totalShards()).distinct().limit(count).toArray();
                ByteBuffer[] shards = whole.clone();
                for (int s : lost) {
                    shards[s] = Shards.empty(1, length, 0, false)[0];
                }
                rs.reconstruct(shards, lost);
                for (int s : lost) {
                    assertThat(Shards.bytes(shards[s])).as("%s shard %d", rs, s).isEqualTo(Shards.bytes(whole[s]));
                }
            }
        }
    }

    @Test
    void oneCodeServesManyThreadsAtOnce() throws Exception {
        ReedSolomon rs = ReedSolomon.of(6, 3);
        int length = 10_000;
        ByteBuffer[] data = Shards.random(6, length, 0, true, 11);
        ByteBuffer[] parity = Shards.empty(3, length, 0, true);
        rs.encode(data, parity);
        ByteBuffer[] whole = Shards.concat(data, parity);
        List<int[]> lost = patterns(9, 3);
        try (var threads = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int first = t;
                done.add(threads.submit(() -> {
                    // Each thread walks every pattern from its own start: the cache of inverses is
                    // filled and read by all of them at once.
                    for (int i = 0; i < lost.size(); i++) {
                        int[] pattern = lost.get((first * 17 + i) % lost.size());
                        ByteBuffer[] shards = new ByteBuffer[9];
                        for (int s = 0; s < 9; s++) {
                            shards[s] = whole[s].duplicate();
                        }
                        for (int s : pattern) {
                            shards[s] = ByteBuffer.allocate(length);
                        }
                        rs.reconstruct(shards, pattern);
                        for (int s : pattern) {
                            assertThat(Shards.bytes(shards[s])).isEqualTo(Shards.bytes(whole[s]));
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get();
            }
        }
    }

    @Test
    void verifyFindsAFlippedBitAnywhere() {
        ReedSolomon rs = ReedSolomon.of(4, 2);
        int length = 200_000; // several of verify's blocks
        ByteBuffer[] data = Shards.random(4, length, 0, false, 1);
        ByteBuffer[] parity = Shards.empty(2, length, 0, false);
        rs.encode(data, parity);
        ByteBuffer[] shards = Shards.concat(data, parity);
        assertThat(rs.verify(shards)).isTrue();
        for (int s : new int[] {0, 3, 5}) {
            int at = s * 40_001 % length;
            shards[s].put(at, (byte) (shards[s].get(at) ^ 0x10));
            assertThat(rs.verify(shards)).as("shard %d byte %d flipped", s, at).isFalse();
            shards[s].put(at, (byte) (shards[s].get(at) ^ 0x10));
        }
        assertThat(rs.verify(shards)).isTrue();
    }

    @Test
    void oneMoreLostShardThanParityIsRefusedAndNothingIsWritten() {
        ReedSolomon rs = ReedSolomon.of(4, 2);
        ByteBuffer[] shards = Shards.random(6, 64, 0, false, 3);
        List<byte[]> before = Stream.of(shards).map(Shards::bytes).toList();
        assertThatThrownBy(() -> rs.reconstruct(shards, 0, 4, 5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("3 shards missing, 4+2 tolerates 2");
        assertThat(Stream.of(shards).map(Shards::bytes).toList()).containsExactlyElementsOf(before);
    }

    @Test
    void badArgumentsSayWhatWasWrong() {
        assertThatThrownBy(() -> ReedSolomon.of(0, 2))
                .hasMessageContaining("at least 1 data shard and 1 parity shard, not 0+2");
        assertThatThrownBy(() -> ReedSolomon.of(4, 0)).hasMessageContaining("not 4+0");
        assertThatThrownBy(() -> ReedSolomon.of(250, 6))
                .hasMessageContaining("250+6 has 256 shards; a code over GF(2^8) has at most 255");
        assertThat(ReedSolomon.of(250, 5).totalShards()).isEqualTo(255);

        ReedSolomon rs = ReedSolomon.of(4, 2);
        ByteBuffer[] data = Shards.random(4, 100, 0, false, 5);
        ByteBuffer[] parity = Shards.empty(2, 100, 0, false);
        data[2] = data[2].limit(data[2].limit() - 1);
        assertThatThrownBy(() -> rs.encode(data, parity))
                .hasMessage("shards of different lengths: data shard 0 has 100 bytes, data shard 2 has 99");
        data[2] = data[2].limit(data[2].limit() + 1);
        assertThatThrownBy(() -> rs.encode(java.util.Arrays.copyOf(data, 3), parity))
                .hasMessage("expected 4 data shards, 3 were given");
        ByteBuffer[] small = {parity[0], ByteBuffer.allocate(99)};
        assertThatThrownBy(() -> rs.encode(data, small))
                .hasMessage("parity shard 1 has room for 99 bytes after its position; the shards have 100");
        ByteBuffer[] readOnly = {parity[0], parity[1].asReadOnlyBuffer()};
        assertThatThrownBy(() -> rs.encode(data, readOnly)).hasMessage("parity shard 1 is a read-only buffer");
        assertThat(Stream.of(parity).map(Shards::bytes))
                .allSatisfy(p -> assertThat(p).containsOnly(0));

        ByteBuffer[] shards = Shards.concat(data, parity);
        assertThatThrownBy(() -> rs.reconstruct(shards, 1, 1)).hasMessage("shard 1 is named twice among the missing");
        assertThatThrownBy(() -> rs.reconstruct(shards, 6))
                .hasMessage("shard 6 does not exist: a 4+2 code has shards 0 to 5");
        assertThatThrownBy(() -> rs.reconstruct(java.util.Arrays.copyOf(shards, 5), 1))
                .hasMessage("a 4+2 code has 6 shards, 5 were given");
        ByteBuffer[] withNull = shards.clone();
        withNull[3] = null;
        assertThatThrownBy(() -> rs.reconstruct(withNull, 3))
                .hasMessage("missing shard 3 is null: it is where the shard is written");
        assertThatThrownBy(() -> rs.reconstruct(withNull, 0)).hasMessage("present shard 3 is null");
    }

    @Test
    void positionsAndLimitsAreLeftAsTheyWere() {
        ReedSolomon rs = ReedSolomon.of(3, 2);
        ByteBuffer[] data = Shards.random(3, 50, 11, true, 9);
        ByteBuffer[] parity = Shards.empty(2, 60, 13, false);
        rs.encode(data, parity);
        assertThat(Stream.of(data).map(ByteBuffer::position)).containsOnly(11);
        assertThat(Stream.of(parity).map(ByteBuffer::position)).containsOnly(13);
        assertThat(Stream.of(parity).map(ByteBuffer::limit)).containsOnly(73);
        // Room beyond the shard's length is not written.
        assertThat(Stream.of(parity).map(p -> Shards.bytes(p.duplicate().position(63))))
                .allSatisfy(rest -> assertThat(rest).containsOnly(0));
    }
}
