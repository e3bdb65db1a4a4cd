package dev.cairn.dkv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A client's meters count its operations by outcome, the slots its gets repair, and the layouts it refetches. */
class DkvMetersTest {
    private static final long K = Layout.RESERVED_KEYS;

    private final MemoryShards shards = new MemoryShards(2, 16, 3);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final DkvMeters meters = new DkvMeters(registry);

    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private long count(String op, String outcome) {
        Timer t = registry.get("cairn.dkv.client.operations")
                .tag("op", op)
                .tag("outcome", outcome)
                .timer();
        return t.count();
    }

    private double counter(String name) {
        return registry.get(name).counter().count();
    }

    private long slotOn(long key, int i) {
        Layout l = shards.layout();
        return l.slotOf(key, l.shardOf(key).mirrors().get(i));
    }

    @Test
    void operationsAreCountedByOutcomeAndRepairsBySlot() {
        DkvClient client = new DkvClient(shards, shards, 1, meters);
        client.put(K, text("a")).join();
        client.put(K + 1, text("b")).join();
        client.delete(K + 1).join();
        assertThat(client.scan(0, Long.MAX_VALUE, 10).join().keySet()).containsExactly(K);
        // One mirror's slot is damaged: of three gets, one reads it (they take the mirrors in turn)
        // and repairs that one slot from the others.
        shards.volume(shards.layout().shardOf(K).mirrors().getFirst().volume()).damage(slotOn(K, 0), 40);
        for (int i = 0; i < 3; i++) {
            assertThat(client.get(K).join())
                    .hasValueSatisfying(v ->
                            assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("a"));
        }
        assertThat(counter("cairn.dkv.client.slot.repairs")).isEqualTo(1);
        shards.volume(shards.layout().shardOf(K).mirrors().get(2).volume()).down(true);
        assertThatThrownBy(() -> client.put(K, text("c")).join())
                .hasCauseInstanceOf(DkvException.MirrorUnavailable.class);

        assertThat(count("put", "ok")).isEqualTo(2);
        assertThat(count("put", "failed")).isEqualTo(1);
        assertThat(count("delete", "ok")).isEqualTo(1);
        assertThat(count("scan", "ok")).isEqualTo(1);
        assertThat(count("get", "ok")).isEqualTo(3);
        assertThat(count("get", "failed")).isZero();
        assertThat(counter("cairn.dkv.client.layout.refetches")).isZero();
    }

    @Test
    void aLayoutRefusedAsStaleIsCountedAsARefetch() {
        Layout old = shards.layout();
        shards.publish(shards.allReady(0));
        LayoutSource stale = shards.startingFrom(old);
        DkvClient client = new DkvClient(stale, shards, 2, meters);
        client.put(K, text("after a refetch")).join();
        assertThat(counter("cairn.dkv.client.layout.refetches")).isEqualTo(1);
        assertThat(count("put", "ok")).isEqualTo(1);
    }
}
