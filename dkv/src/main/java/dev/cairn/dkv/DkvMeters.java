package dev.cairn.dkv;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A DKV client's meters in a Micrometer registry, as a daemon using the DKV exposes them:
 * {@code cairn_dkv_client_operations_seconds{op, outcome}} (count, sum, max and latency buckets
 * from 1 ms to 1 s, so a p99 can be read off), {@code cairn_dkv_client_slot_repairs_total} and
 * {@code cairn_dkv_client_layout_refetches_total}.
 */
public final class DkvMeters implements DkvObserver {
    private static final Duration[] BUCKETS = {
        Duration.ofMillis(1),
        Duration.ofMillis(2),
        Duration.ofMillis(5),
        Duration.ofMillis(10),
        Duration.ofMillis(20),
        Duration.ofMillis(50),
        Duration.ofMillis(100),
        Duration.ofMillis(200),
        Duration.ofMillis(500),
        Duration.ofSeconds(1)
    };

    private final Map<Op, Timer> ok = new EnumMap<>(Op.class);
    private final Map<Op, Timer> failed = new EnumMap<>(Op.class);
    private final Counter repairs;
    private final Counter refetches;

    public DkvMeters(MeterRegistry registry) {
        for (Op op : Op.values()) {
            ok.put(op, timer(registry, op, "ok"));
            failed.put(op, timer(registry, op, "failed"));
        }
        repairs = Counter.builder("cairn.dkv.client.slot.repairs")
                .description("Slots the client wrote to a mirror that lacked the key's greatest valid version")
                .register(registry);
        refetches = Counter.builder("cairn.dkv.client.layout.refetches")
                .description("Layouts fetched again because a mirror refused the one used as stale")
                .register(registry);
    }

    private static Timer timer(MeterRegistry registry, Op op, String outcome) {
        return Timer.builder("cairn.dkv.client.operations")
                .description("DKV operations as the client saw them, from the call to the answer")
                .tag("op", op.name().toLowerCase(Locale.ROOT))
                .tag("outcome", outcome)
                .serviceLevelObjectives(BUCKETS)
                .register(registry);
    }

    @Override
    public void completed(Op op, boolean succeeded, long nanos) {
        (succeeded ? ok : failed).get(op).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void repaired(int slots) {
        repairs.increment(slots);
    }

    @Override
    public void refetched() {
        refetches.increment();
    }
}
