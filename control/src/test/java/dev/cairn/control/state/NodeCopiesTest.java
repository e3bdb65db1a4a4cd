package dev.cairn.control.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.api.Views;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegCopyProgress;
import dev.cairn.control.model.Orphan;
import dev.cairn.control.model.Volume;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Detached volumes are repaired by the nodes holding their new or kept legs: the desired state
 * tells each node which of its legs to copy and how to open the others, and a copy it reports done
 * settles the leg as an agent's report would.
 */
class NodeCopiesTest {
    final RepairScenario r = new RepairScenario();
    final Scenario s = r.s;

    private List<Views.LegCopy> copiesOf(UUID node) {
        return s.machine.desired(node).copies();
    }

    private void reportDone(UUID node, Leg leg, long generation) {
        DriveState d = s.machine.read(st -> st.nodes().get(node).drives().getFirst());
        s.apply(new Command.Heartbeat(
                node,
                List.of(d),
                s.legsOn(node),
                List.of(),
                -1,
                s.now,
                List.of(new LegCopyProgress(leg.extentId(), generation, LegCopyProgress.State.DONE, 0, 0, 0, ""))));
    }

    @Test
    void theNodeOfANewLegOfADetachedVolumeCopiesItAndItsReportSettlesIt() {
        Volume v = r.sixNodesAndVolume();
        Leg lost = v.legs().get(1);
        Leg fresh = r.replaceAfterTimeout(lost);

        List<Views.LegCopy> copies = copiesOf(fresh.nodeId());
        assertThat(copies).singleElement().satisfies(c -> {
            assertThat(c.extentId()).isEqualTo(fresh.extentId());
            assertThat(c.kept()).isFalse();
            assertThat(c.generation()).isEqualTo(fresh.generation());
            assertThat(c.legs()).hasSize(4);
            assertThat(c.legs())
                    .filteredOn(l -> l.extentId().equals(lost.extentId()))
                    .singleElement()
                    .satisfies(l -> assertThat(l.kept()).isTrue());
        });
        assertThat(copiesOf(v.legs().get(0).nodeId()))
                .as("an in-sync leg needs nothing")
                .isEmpty();

        reportDone(fresh.nodeId(), fresh, fresh.generation() - 1);
        assertThat(s.volume("db").leg(fresh.extentId()).orElseThrow().awaitingSync())
                .as("a report of another generation is stale")
                .isTrue();
        reportDone(fresh.nodeId(), fresh, fresh.generation());
        Volume after = s.volume("db");
        assertThat(after.legs()).hasSize(3).noneMatch(Leg::awaitingSync).noneMatch(Leg::kept);
        Orphan o = s.machine.read(st -> st.orphans().get(lost.extentId()));
        assertThat(o.erase()).isTrue();
        assertThat(copiesOf(fresh.nodeId())).isEmpty();
    }

    @Test
    void aKeptLegWhoseNodeIsBackCatchesUpAndIsTakenBack() {
        Volume v = r.sixNodesAndVolume();
        Leg lost = v.legs().get(2);
        Leg fresh = r.replaceAfterTimeout(lost);
        s.heartbeat(lost.nodeId(), s.legsOn(lost.nodeId()));

        assertThat(copiesOf(lost.nodeId()))
                .singleElement()
                .satisfies(c -> assertThat(c.kept()).isTrue());
        reportDone(lost.nodeId(), lost, lost.generation());
        Volume after = s.volume("db");
        assertThat(after.legs()).hasSize(3).noneMatch(Leg::kept);
        assertThat(after.leg(fresh.extentId()))
                .as("the replacement is cancelled")
                .isEmpty();
        assertThat(s.machine.desired(fresh.nodeId()).erase()).contains(fresh.extentId());
    }

    @Test
    void attachingTheVolumeTakesTheCopiesAwayFromTheNodes() {
        Volume v = r.sixNodesAndVolume();
        Leg fresh = r.replaceAfterTimeout(v.legs().get(0));
        assertThat(copiesOf(fresh.nodeId())).hasSize(1);
        s.agent("h1");
        s.attach("db", "h1", false);
        assertThat(copiesOf(fresh.nodeId())).as("the agent copies now").isEmpty();
        Leg atNewGeneration = s.volume("db").leg(fresh.extentId()).orElseThrow();
        reportDone(fresh.nodeId(), fresh, fresh.generation());
        assertThat(s.volume("db").leg(fresh.extentId()).orElseThrow().awaitingSync())
                .as("a node's late report counts for nothing once attached")
                .isTrue();
        assertThat(atNewGeneration.generation()).isGreaterThan(fresh.generation());
    }
}
