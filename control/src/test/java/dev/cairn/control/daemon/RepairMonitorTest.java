package dev.cairn.control.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegLayout;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.model.Volume;
import dev.cairn.control.rest.ControllerMetrics;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.LocalReplicatedState;
import dev.cairn.control.state.RepairPlanner;
import dev.cairn.testkit.FakeClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
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
    private static final Duration PERIOD = Duration.ofSeconds(5);
    private final RepairMonitor monitor =
            new RepairMonitor(state, clock, new RepairPlanner.Settings(2, 0), PERIOD, metrics::repairStarted);

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

    /** Single-leg volumes of 1 GiB, whose nodes made their legs; returns the node of each. */
    private List<UUID> madeVolumes(String... names) {
        for (String name : names) { // placed before any is made: each goes to another node
            state.submit(new Command.CreateVolume(
                    UUID.randomUUID(), name, GIB, "single", List.of(UUID.randomUUID()), List.of("s3cret"), 0, 1));
        }
        List<UUID> holders = new ArrayList<>();
        for (String name : names) {
            Leg leg = state.read(s -> s.volumeNamed(name).orElseThrow()).legs().getFirst();
            DriveState empty =
                    state.read(s -> s.nodes().get(leg.nodeId()).drives().getFirst());
            long used = LegLayout.allocatedBytes(leg.extentSizeBytes());
            DriveState drive = new DriveState(
                    empty.id(), empty.capacityBytes(), empty.dataBytes(), used, empty.dataBytes() - used);
            ObservedExtent made = new ObservedExtent(leg.extentId(), leg.driveId(), leg.extentSizeBytes(), false, 1);
            state.submit(
                    new Command.Heartbeat(leg.nodeId(), List.of(drive), List.of(made), List.of(), -1, clock.millis()));
            holders.add(leg.nodeId());
        }
        return holders;
    }

    @Test
    void aPeerThatBecomesLeaderRunsARepairPassAtOnceThenOneEveryPeriod() throws Exception {
        for (String zone : List.of("a", "b", "c", "d", "e")) {
            node(zone);
        }
        List<UUID> holders = madeVolumes("one", "two", "three");
        assertThat(holders).doesNotHaveDuplicates();
        UUID first = holders.get(0);
        UUID second = holders.get(1);
        UUID third = holders.get(2);

        state.lead(false);
        state.submit(new Command.DrainNode(first, clock.millis()));
        assertThat(monitor.tick()).as("a follower leaves repairs to the leader").isEmpty();
        state.lead(true);
        assertThat(monitor.tick()).as("a new leader resumes at once").hasSize(1);
        assertThat(started("drain")).isEqualTo(1);

        state.submit(new Command.DrainNode(second, clock.millis()));
        assertThat(monitor.tick()).as("then one pass a period").isEmpty();
        clock.advance(PERIOD.minusMillis(1));
        assertThat(monitor.tick()).isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(monitor.tick()).hasSize(1);
        assertThat(started("drain")).isEqualTo(2);

        state.lead(false);
        assertThat(monitor.tick()).isEmpty();
        state.submit(new Command.DrainNode(third, clock.millis()));
        state.lead(true);
        assertThat(monitor.tick())
                .as("leading again: at once, whatever the period")
                .hasSize(1);
        assertThat(started("drain")).isEqualTo(3);
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
