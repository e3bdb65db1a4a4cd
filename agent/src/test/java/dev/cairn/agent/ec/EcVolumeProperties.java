package dev.cairn.agent.ec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random writes and losses against a byte array: whatever the pattern of requests (any offset,
 * any length, across chunks, rows and PStores) and up to {@code m} members lost per PStore on the
 * way, every read gives what the model holds.
 */
class EcVolumeProperties {

    record Op(long offset, int length, long seed, int loseMember) {}

    @Provide
    Arbitrary<List<Op>> ops() {
        long size = 3L * 4 * 3 * 4096;
        Arbitrary<Op> op = Combinators.combine(
                        Arbitraries.longs().between(0, size - 1),
                        Arbitraries.integers().between(1, 40_000),
                        Arbitraries.longs(),
                        Arbitraries.integers().between(-1, 4))
                .as((offset, length, seed, lose) -> new Op(offset, (int) Math.min(length, size - offset), seed, lose));
        return op.list().ofMinSize(1).ofMaxSize(25);
    }

    @Property(tries = 60)
    void readsGiveWhatWasWrittenThroughLosses(@ForAll("ops") List<Op> ops) throws Exception {
        try (EcFixture f = EcFixture.small(3, 2, 3L * 4 * 3 * 4096)) {
            int size = (int) f.geometry.volumeBytes();
            byte[] model = new byte[size];
            EcVolume v = f.attach(1);
            Set<Integer> lost = new HashSet<>();
            for (Op op : ops) {
                byte[] bytes = new byte[op.length()];
                new Random(op.seed()).nextBytes(bytes);
                v.write(op.offset(), ByteBuffer.wrap(bytes), false);
                System.arraycopy(bytes, 0, model, (int) op.offset(), bytes.length);
                if (op.loseMember() >= 0 && lost.size() < 2 && lost.add(op.loseMember())) {
                    for (int p = 0; p < f.geometry.pstores(); p++) {
                        f.member(p, op.loseMember()).down(true);
                    }
                }
                ByteBuffer back = ByteBuffer.allocate(op.length());
                v.read(op.offset(), back);
                assertThat(back.array()).isEqualTo(bytes);
            }
            assertThat(EcVolumeTest.read(v, 0, size)).isEqualTo(model);
            if (lost.isEmpty()) {
                assertThat(EcVolumeTest.parityHolds(f)).isTrue();
            }
        }
    }
}
