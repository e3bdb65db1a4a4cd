package dev.cairn.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.api.Views;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** When a node serves its KV volumes: named by the controller, and within the lease since it last heard from it. */
class KvGateTest {
    private static final UUID KV = UUID.randomUUID();
    private static final long MS = 1_000_000;
    private final AtomicLong now = new AtomicLong(1_000 * MS);
    private final KvGate gate = KvGate.leased(now::get);

    private static Views.DesiredView desired(long leaseMillis, UUID... kv) {
        List<Views.DesiredExtent> extents = new java.util.ArrayList<>();
        for (UUID id : kv) {
            extents.add(new Views.DesiredExtent(id, UUID.randomUUID(), 4096, 7, "s", Views.ExtentKind.KV));
        }
        extents.add(new Views.DesiredExtent(UUID.randomUUID(), UUID.randomUUID(), 4096, 1, "s"));
        return new Views.DesiredView(5, 5, extents, List.of(), List.of(), 0, leaseMillis);
    }

    @Test
    void aStandaloneNodeServesEveryKvVolume() {
        assertThat(KvGate.open().refusal(KV)).isEmpty();
    }

    @Test
    void aLinkedNodeServesNothingUntilItHasHeardFromTheControllerAndBeenToldTheVolume() {
        assertThat(gate.refusal(KV)).hasValueSatisfying(r -> assertThat(r).contains("is not one the controller"));
        gate.desired(desired(2_000, KV));
        assertThat(gate.refusal(KV)).hasValueSatisfying(r -> assertThat(r).contains("has not heard"));
        gate.heard(now.get());
        assertThat(gate.refusal(KV)).isEmpty();
        assertThat(gate.refusal(UUID.randomUUID())).isPresent();
    }

    @Test
    void theLeaseRunsFromWhenTheLastHeartbeatTheControllerTookWasSent() {
        gate.desired(desired(2_000, KV));
        long sent = now.get();
        now.addAndGet(300 * MS); // the heartbeat took 300 ms to be answered
        gate.heard(sent);
        now.addAndGet(1_700 * MS);
        assertThat(gate.refusal(KV)).as("2 s after it was sent").isEmpty();
        now.addAndGet(MS);
        assertThat(gate.refusal(KV))
                .hasValueSatisfying(r -> assertThat(r).contains("2001 ms").contains("KV lease of 2000 ms"));
        gate.heard(sent - 5 * MS); // an older heartbeat answered late moves nothing back
        assertThat(gate.refusal(KV)).isPresent();
        gate.heard(now.get());
        assertThat(gate.refusal(KV)).isEmpty();
    }

    @Test
    void aVolumeTheControllerNoLongerNamesIsRefusedAtOnce() {
        gate.heard(now.get());
        gate.desired(desired(2_000, KV));
        assertThat(gate.refusal(KV)).isEmpty();
        gate.desired(desired(2_000));
        assertThat(gate.refusal(KV)).hasValueSatisfying(r -> assertThat(r).contains("is not one the controller"));
    }
}
