package dev.cairn.control.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.model.Volume;
import dev.cairn.control.rest.ControllerMetrics;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.LocalReplicatedState;
import dev.cairn.control.state.RepairPlanner;
import dev.cairn.testkit.FakeClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The leader's repair loop counts the replacement legs it places, by reason. */
class RepairMonitorTest {
    private static final long GIB = 1L << 30;
    private final FakeClock clock = new FakeClock();
    private final LocalReplicatedState state = new LocalReplicatedState(ClusterState.empty());
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ControllerMetrics metrics = ControllerMetrics.register(registry, state);
    private final RepairMonitor monitor =
            new RepairMonitor(state, clock, new RepairPlanner.Settings(2, 0), metrics::repairStarted);

    private UUID node(String zone) {
        UUID id = UUID.randomUUID();
        DriveState d = new DriveState(UUID.randomUUID(), 100 * GIB, 100 * GIB, 0, 100 * GIB);
        state.submit(new Command.RegisterNode(
                id, "127.0.0.1:10809", "http://127.0.0.1:8410", Map.of("zone", zone), List.of(d), clock.millis()));
        return id;
    }

    private double started(String reason) {
        return registry.get("cairn.controller.repairs.started")
                .tag("reason", reason)
                .counter()
                .count();
    }

    @Test
    void aDrainPlacesOneReplacementAndCountsIt() throws Exception {
        node("a");
        node("b"); // where the drained leg goes
        state.submit(new Command.CreateVolume(
                UUID.randomUUID(), "db", GIB, "single", List.of(UUID.randomUUID()), List.of("s3cret"), 0, 1));
        Volume v = state.read(s -> s.volumeNamed("db").orElseThrow());
        Leg leg = v.legs().getFirst();
        DriveState drive = state.read(s -> s.nodes().get(leg.nodeId()).drives().getFirst());
        state.submit(new Command.Heartbeat(
                leg.nodeId(),
                List.of(drive),
                List.of(new ObservedExtent(leg.extentId(), leg.driveId(), leg.extentSizeBytes(), false, 1)),
                List.of(),
                -1,
                clock.millis()));
        assertThat(monitor.check()).as("nothing to repair yet").isEmpty();
        assertThat(started("drain")).isZero();

        state.submit(new Command.DrainNode(leg.nodeId(), clock.millis()));
        List<Command> placed = monitor.check();

        assertThat(placed).singleElement().isInstanceOf(Command.ReplaceLeg.class);
        assertThat(started("drain")).isEqualTo(1);
        assertThat(started("repair")).isZero();
        monitor.check();
        assertThat(started("drain")).as("the replacement is placed once").isEqualTo(1);
    }
}
