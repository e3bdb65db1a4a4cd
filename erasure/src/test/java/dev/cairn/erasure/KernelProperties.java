package dev.cairn.erasure;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The vector kernel (at this JVM's width: the build runs these at 128 and 256 bits) and the scalar
 * one give the same bytes, on any code, length and position, heap or direct, for encoding and for
 * rebuilding any shards.
 */
class KernelProperties {

    @Property(seed = "20261203")
    void everyKernelEncodesAlike(
            @ForAll @IntRange(min = 1, max = 24) int k,
            @ForAll @IntRange(min = 1, max = 8) int m,
            @ForAll @IntRange(min = 0, max = 9000) int length,
            @ForAll @IntRange(min = 0, max = 40) int offset,
            @ForAll boolean direct,
            @ForAll long seed) {
        ByteBuffer[] data = Shards.random(k, length, offset, direct, seed);
        ByteBuffer[] scalar = Shards.empty(m, length, offset / 2, !direct);
        ByteBuffer[] vector = Shards.empty(m, length, offset / 3, direct);
        ReedSolomon.of(k, m, ScalarKernel.INSTANCE).encode(data, scalar);
        ReedSolomon.of(k, m, VectorKernel.INSTANCE).encode(data, vector);
        assertThat(Stream.of(vector).map(Shards::bytes))
                .as(VectorKernel.INSTANCE.name())
                .containsExactlyElementsOf(Stream.of(scalar).map(Shards::bytes).toList());
        assertThat(Shards.guardsIntact(vector)).isTrue();
    }

    @Property(seed = "20261203")
    void everyKernelRebuildsAlike(
            @ForAll @IntRange(min = 1, max = 16) int k,
            @ForAll @IntRange(min = 1, max = 6) int m,
            @ForAll @IntRange(min = 1, max = 5000) int length,
            @ForAll long seed) {
        ReedSolomon scalar = ReedSolomon.of(k, m, ScalarKernel.INSTANCE);
        ReedSolomon vector = ReedSolomon.of(k, m, VectorKernel.INSTANCE);
        ByteBuffer[] data = Shards.random(k, length, 1, false, seed);
        ByteBuffer[] parity = Shards.empty(m, length, 0, true);
        scalar.encode(data, parity);
        ByteBuffer[] whole = Shards.concat(data, parity);
        int[] lost = new java.util.SplittableRandom(seed)
                .ints(0, k + m)
                .distinct()
                .limit(1 + Math.floorMod(seed, m))
                .toArray();
        ByteBuffer[] byVector = whole.clone();
        for (int s : lost) {
            byVector[s] = Shards.empty(1, length, 3, true)[0];
        }
        vector.reconstruct(byVector, lost);
        for (int s = 0; s < k + m; s++) {
            assertThat(Shards.bytes(byVector[s])).as("shard %d", s).isEqualTo(Shards.bytes(whole[s]));
        }
    }
}
