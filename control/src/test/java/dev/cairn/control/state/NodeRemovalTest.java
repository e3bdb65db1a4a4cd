package dev.cairn.control.state;

import static dev.cairn.control.state.Scenario.GIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegCopyProgress;
import dev.cairn.control.model.Volume;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Removing a node: refused while it holds a leg (saying which volumes, and to drain it) or is
 * online (saying to stop it); once drained and offline, it goes, with the orphans it held.
 */
class NodeRemovalTest {
    private final Scenario s = new Scenario();

    @Test
    void aNodeGoesOnlyOnceDrainedAndOfflineAndTakesItsOrphansWithIt() {
        UUID a1 = s.node("a", 10);
        s.node("b", 10);
        s.node("c", 10);
        UUID a2 = s.node("a", 10);
        Volume v = s.availableVolume("db", "zone-3", 3);
        Leg onA = v.legs().stream()
                .filter(l -> l.nodeId().equals(a1) || l.nodeId().equals(a2))
                .findFirst()
                .orElseThrow();
        UUID leaving = onA.nodeId();
        String name = s.machine.read(st -> st.nodes().get(leaving).name());

        Outcome holding = s.apply(new Command.RemoveNode(leaving, s.now));
        assertThat(holding.status()).isEqualTo(Outcome.Status.CONFLICT);
        assertThat(holding.message())
                .isEqualTo("node " + name + " still holds legs of volume db: drain it first (node drain " + name + ")");

        s.apply(new Command.DrainNode(leaving, s.now));
        List<Command> plan = s.machine.read(st ->
                RepairPlanner.plan(st, s.now, new RepairPlanner.Settings(2, 0), UUID::randomUUID, () -> "secret"));
        plan.forEach(c -> assertThat(s.apply(c).message()).isEmpty());
        Volume moving = s.volume("db");
        Leg fresh = moving.legs().stream().filter(Leg::awaitingSync).findFirst().orElseThrow();
        s.heartbeat(fresh.nodeId(), s.legsOn(fresh.nodeId()));
        // The new leg's node copies it (the volume is detached) and reports it in sync: the old leg goes.
        s.apply(new Command.Heartbeat(
                fresh.nodeId(),
                s.machine.read(st -> st.nodes().get(fresh.nodeId()).drives()),
                s.legsOn(fresh.nodeId()),
                List.of(),
                s.machine.read(ClusterState::appliedIndex),
                s.now,
                List.of(new LegCopyProgress(
                        fresh.extentId(), fresh.generation(), LegCopyProgress.State.DONE, GIB, GIB, 0, ""))));
        assertThat(s.volume("db").legs()).noneMatch(l -> l.nodeId().equals(leaving));
        boolean orphaned = s.machine.read(st -> st.orphans().containsKey(onA.extentId()));
        assertThat(orphaned).as("the drained leg is an orphan its node erases").isTrue();

        Outcome online = s.apply(new Command.RemoveNode(leaving, s.now));
        assertThat(online.message())
                .isEqualTo("node " + name + " is online: stop its daemon first (a running node registers again), and"
                        + " remove it once the controller marks it offline");

        s.now += 60_000;
        s.apply(new Command.MarkNodeOffline(leaving, s.now, 1));
        Outcome removed = s.apply(new Command.RemoveNode(leaving, s.now));
        assertThat(removed.message()).isEmpty();
        s.machine.read(st -> {
            assertThat(st.nodes()).doesNotContainKey(leaving);
            assertThat(st.orphans().values()).noneMatch(o -> o.nodeId().equals(leaving));
            return null;
        });
        assertThat(s.apply(new Command.RemoveNode(leaving, s.now)).status()).isEqualTo(Outcome.Status.NOT_FOUND);
    }
}
