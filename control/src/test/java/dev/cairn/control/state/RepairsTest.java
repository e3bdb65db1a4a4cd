package dev.cairn.control.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegSync;
import dev.cairn.control.model.Missing;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.Orphan;
import dev.cairn.control.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Self-healing in the state machine: legs judged missing from both sides, the repair planner
 * replacing them after the class's timeout (or at once), throttling, drains, and the operator's
 * add and remove. Everything here is a pure function of the commands applied.
 */
class RepairsTest {
    static final long TIMEOUT = RepairScenario.TIMEOUT;
    final RepairScenario r = new RepairScenario();
    final Scenario s = r.s;
    final Map<String, UUID> nodes = r.nodes;

    private Volume sixNodesAndAttachedVolume() {
        return r.sixNodesAndAttachedVolume();
    }

    private List<Command> plan() {
        return r.plan();
    }

    private List<Command> planAndApply() {
        return r.planAndApply();
    }

    private void nodeOffline(UUID node) {
        r.nodeOffline(node);
    }

    private String zoneOf(UUID node) {
        return r.zoneOf(node);
    }

    private void agentReports(Volume v, Map<UUID, LegSync> legs) {
        r.agentReports(v, legs);
    }

    private static Map<UUID, LegSync> allInSyncBut(Volume v, UUID extent, LegSyncState state) {
        return RepairScenario.allInSyncBut(v, extent, state);
    }

    @Test
    void aLegIsMissingFromTheTimeItsNodeWentOfflineUntilItIsBack() {
        Volume v = sixNodesAndAttachedVolume();
        Leg leg = v.legs().getFirst();
        long wentAt = s.now;
        nodeOffline(leg.nodeId());
        assertThat(s.volume("db").leg(leg.extentId()).orElseThrow().missing())
                .contains(new Missing(wentAt, true, Optional.empty()));

        s.now += 60_000;
        agentReports(v, allInSyncBut(v, leg.extentId(), LegSyncState.FAILED));
        Missing both =
                s.volume("db").leg(leg.extentId()).orElseThrow().missing().orElseThrow();
        assertThat(both.sinceMillis()).as("keeps the first time").isEqualTo(wentAt);
        assertThat(both.describe()).isEqualTo("node heartbeat lost; the agent reports: connection refused");

        s.heartbeat(leg.nodeId(), s.legsOn(leg.nodeId()));
        assertThat(s.volume("db")
                        .leg(leg.extentId())
                        .orElseThrow()
                        .missing()
                        .orElseThrow()
                        .describe())
                .as("node back, agent still cannot reach it")
                .isEqualTo("node alive but the agent cannot reach it (network problem): connection refused");

        agentReports(v, allInSyncBut(v, leg.extentId(), LegSyncState.SYNCING));
        assertThat(s.volume("db").leg(leg.extentId()).orElseThrow().missing()).isEmpty();
    }

    @Test
    void aMissingLegIsReplacedOnlyAfterTheClassTimeoutInTheZoneThatLostIt() {
        Volume v = sixNodesAndAttachedVolume();
        Leg lost = v.legs().get(1);
        nodeOffline(lost.nodeId());
        s.now += TIMEOUT - 1;
        assertThat(plan()).as("within the repair timeout: it may come back").isEmpty();

        s.now += 1;
        List<Command> plan = planAndApply();
        assertThat(plan).singleElement().isInstanceOfSatisfying(Command.ReplaceLeg.class, r -> {
            assertThat(r.extentId()).isEqualTo(lost.extentId());
            assertThat(r.why()).isEqualTo(Command.Replacement.REPAIR);
        });
        Volume after = s.volume("db");
        assertThat(after.legs())
                .as("the missing leg is kept until its replacement is in sync")
                .hasSize(4);
        Leg fresh = after.legs().stream().filter(Leg::awaitingSync).findFirst().orElseThrow();
        Leg kept = after.leg(lost.extentId()).orElseThrow();
        assertThat(kept.kept()).isTrue();
        assertThat(kept.replacedBy()).contains(fresh.extentId());
        assertThat(fresh.index()).isEqualTo(3);
        assertThat(fresh.nodeId()).isNotEqualTo(lost.nodeId());
        assertThat(zoneOf(fresh.nodeId()))
                .as("the only zone free of a staying leg")
                .isEqualTo(zoneOf(lost.nodeId()));
        assertThat(fresh.generation()).isEqualTo(v.attachment().orElseThrow().generation());
        boolean orphaned = s.machine.read(st -> st.orphans().containsKey(lost.extentId()));
        assertThat(orphaned)
                .as("never erased before its replacement is in sync")
                .isFalse();
        assertThat(s.machine.desired(lost.nodeId()).legs())
                .anyMatch(l -> l.extentId().equals(lost.extentId()));

        assertThat(r.legsHandedToAgent()).as("not before its node made it").doesNotContain(fresh.extentId());
        s.heartbeat(fresh.nodeId(), s.legsOn(fresh.nodeId()));
        assertThat(r.legsHandedToAgent()).contains(fresh.extentId(), lost.extentId());
        assertThat(s.machine.agentDesired("h1").volumes().getFirst().legs())
                .filteredOn(l -> l.extentId().equals(lost.extentId()))
                .singleElement()
                .satisfies(l -> assertThat(l.kept()).isTrue());

        agentReports(after, allInSyncBut(after, fresh.extentId(), LegSyncState.SYNCING));
        assertThat(s.volume("db").leg(fresh.extentId()).orElseThrow().awaitingSync())
                .isTrue();
        assertThat(s.volume("db").legs()).hasSize(4);
        Map<UUID, LegSync> done = allInSyncBut(after, fresh.extentId(), LegSyncState.IN_SYNC);
        done.put(lost.extentId(), RepairScenario.sync(LegSyncState.FAILED));
        agentReports(after, done);
        assertThat(s.volume("db").legs())
                .hasSize(3)
                .noneMatch(l -> l.extentId().equals(lost.extentId()))
                .noneMatch(Leg::awaitingSync)
                .noneMatch(l -> l.missing().isPresent());
        Orphan o = s.machine.read(st -> st.orphans().get(lost.extentId()));
        assertThat(o.erase()).isTrue();
        assertThat(o.reason()).contains("replaced (its replacement " + fresh.extentId() + " is in sync)");
        assertThat(plan()).as("nothing left to do").isEmpty();
    }

    @Test
    void withOneInSyncLegLeftRepairStartsAtOnce() {
        Volume v = sixNodesAndAttachedVolume();
        nodeOffline(v.legs().get(0).nodeId());
        assertThat(plan()).as("two in sync: wait out the timeout").isEmpty();
        nodeOffline(v.legs().get(1).nodeId());

        List<Command> first = planAndApply();
        assertThat(first).singleElement().isInstanceOf(Command.ReplaceLeg.class);
        List<Command> second = planAndApply();
        assertThat(second).singleElement().isInstanceOf(Command.ReplaceLeg.class);
        assertThat(s.volume("db").legs()).filteredOn(Leg::awaitingSync).hasSize(2);
        assertThat(s.volume("db").legs()).filteredOn(Leg::kept).hasSize(2);
    }

    @Test
    void aLegWithNothingToCopyFromIsNeverReplacedAndTheVolumeSaysWhy() {
        Volume v = sixNodesAndAttachedVolume();
        v.legs().forEach(l -> nodeOffline(l.nodeId()));
        s.now += TIMEOUT;
        planAndApply();
        Volume after = s.volume("db");
        assertThat(after.legs()).noneMatch(Leg::awaitingSync);
        assertThat(after.repairNote()).hasValueSatisfying(n -> assertThat(n).contains("no in-sync leg left"));
    }

    @Test
    void withNoValidPlaceTheVolumeStaysDegradedWithTheReasonAndRepairsWhenCapacityAppears() {
        UUID a = s.node("a", 100);
        s.node("b", 100);
        s.node("c", 100);
        s.availableVolume("db", "zone-3", 3);
        Volume v = s.volume("db");
        Leg onA = v.leg(v.legs().stream()
                        .filter(l -> l.nodeId().equals(a))
                        .findFirst()
                        .orElseThrow()
                        .extentId())
                .orElseThrow();
        nodeOffline(a);
        s.now += TIMEOUT;

        assertThat(planAndApply()).singleElement().isInstanceOf(Command.NoteRepair.class);
        assertThat(s.volume("db").repairNote())
                .hasValueSatisfying(n -> assertThat(n)
                        .startsWith("no place for a new leg for leg " + onA.index())
                        .contains("values already used: b, c"));
        assertThat(plan()).as("the same reason is not recorded twice").isEmpty();

        UUID a2 = s.node("a", 100);
        List<Command> plan = planAndApply();
        assertThat(plan).singleElement().isInstanceOf(Command.ReplaceLeg.class);
        assertThat(s.volume("db").repairNote()).isEmpty();
        assertThat(s.volume("db").legs()).anyMatch(l -> l.nodeId().equals(a2) && l.awaitingSync());
    }

    @Test
    void syncsPerNodeAreThrottled() {
        UUID a = s.node("a", 100);
        UUID spare = s.node("a", 100);
        s.node("b", 100);
        s.node("c", 100);
        s.apply(new Command.DrainNode(spare, s.now));
        s.availableVolume("v1", "zone-3", 3);
        s.availableVolume("v2", "zone-3", 3);
        s.apply(new Command.UndrainNode(spare));
        nodeOffline(a);
        s.now += TIMEOUT;

        List<Command> plan = new RepairPlannerWithLimit(1).plan();
        assertThat(plan).filteredOn(c -> c instanceof Command.ReplaceLeg).hasSize(1);
        assertThat(plan)
                .filteredOn(c -> c instanceof Command.NoteRepair)
                .singleElement()
                .satisfies(c -> assertThat(((Command.NoteRepair) c).note().orElseThrow())
                        .contains("already runs 1 sync(s)"));
    }

    private final class RepairPlannerWithLimit {
        final RepairPlanner.Settings limited;

        RepairPlannerWithLimit(int max) {
            limited = new RepairPlanner.Settings(max, 0);
        }

        List<Command> plan() {
            int[] n = {0};
            return s.machine.read(
                    st -> RepairPlanner.plan(st, s.now, limited, () -> new UUID(9, ++n[0]), () -> "k" + n[0]));
        }
    }

    @Test
    void drainingKeepsTheOldLegUntilItsReplacementIsInSync() {
        Volume v = sixNodesAndAttachedVolume();
        Leg old = v.legs().getFirst();
        s.apply(new Command.DrainNode(old.nodeId(), s.now));

        assertThat(planAndApply())
                .singleElement()
                .isInstanceOfSatisfying(
                        Command.ReplaceLeg.class, r -> assertThat(r.why()).isEqualTo(Command.Replacement.DRAIN));
        Volume moving = s.volume("db");
        assertThat(moving.legs()).hasSize(4);
        Leg fresh = moving.legs().stream().filter(Leg::awaitingSync).findFirst().orElseThrow();
        assertThat(moving.leg(old.extentId()).orElseThrow().replacedBy()).contains(fresh.extentId());
        assertThat(zoneOf(fresh.nodeId())).isEqualTo(zoneOf(old.nodeId()));
        assertThat(plan()).as("one replacement per leg").isEmpty();

        s.heartbeat(fresh.nodeId(), s.legsOn(fresh.nodeId()));
        agentReports(moving, allInSyncBut(moving, fresh.extentId(), LegSyncState.SYNCING));
        assertThat(s.volume("db").legs()).as("protection kept while it syncs").hasSize(4);

        agentReports(moving, allInSyncBut(moving, fresh.extentId(), LegSyncState.IN_SYNC));
        Volume done = s.volume("db");
        assertThat(done.legs()).hasSize(3).noneMatch(l -> l.nodeId().equals(old.nodeId()));
        Orphan gone = s.machine.read(st -> st.orphans().get(old.extentId()));
        assertThat(gone.erase()).isTrue();
        assertThat(s.machine.desired(old.nodeId()).erase()).contains(old.extentId());
        assertThat(plan()).isEmpty();
    }

    @Test
    void aDrainingNodeTakesNoNewLegs() {
        UUID a = s.node("a", 100);
        s.node("b", 100);
        s.node("c", 100);
        s.apply(new Command.DrainNode(a, s.now));
        Outcome o = s.createVolume("db", Scenario.GIB, "zone-3", 3);
        assertThat(o.status()).isEqualTo(Outcome.Status.UNPLACEABLE);
        assertThat(o.message()).contains("1 draining");
        s.apply(new Command.UndrainNode(a));
        assertThat(s.createVolume("db", Scenario.GIB, "zone-3", 3).isOk()).isTrue();
    }

    @Test
    void removingALegIsRefusedWhenItWouldLeaveNoInSyncLegOrGoBelowTheClassWithoutForce() {
        Volume v = sixNodesAndAttachedVolume();
        Leg first = v.legs().get(0);
        Outcome below = s.apply(new Command.RemoveReplica("db", "0", false, s.now));
        assertThat(below.status()).isEqualTo(Outcome.Status.CONFLICT);
        assertThat(below.message())
                .isEqualTo(
                        "volume 'db' would keep 2 in-sync legs where its class 'zone-3' asks for 3; force it to go below"
                                + " (the volume then shows degraded by intent)");

        assertThat(s.apply(new Command.RemoveReplica("db", first.extentId().toString(), true, s.now))
                        .isOk())
                .isTrue();
        assertThat(s.volume("db").legs()).hasSize(2);
        nodeOffline(s.volume("db").legs().get(0).nodeId());
        Outcome last = s.apply(new Command.RemoveReplica("db", "2", true, s.now));
        assertThat(last.message())
                .isEqualTo("removing leg 2 would leave volume 'db' with no in-sync leg (the others are missing or"
                        + " still syncing)");
        assertThat(s.apply(new Command.RemoveReplica("db", "7", true, s.now)).status())
                .isEqualTo(Outcome.Status.NOT_FOUND);
    }

    @Test
    void anAddedLegGoesToAFreeZoneOrTheNodeAskedForAndIsRefusedOnAUsedOne() {
        Volume v = sixNodesAndAttachedVolume();
        s.apply(new Command.RemoveReplica("db", "2", true, s.now));
        UUID usedZoneNode = nodes.get(zoneOf(v.legs().get(0).nodeId()) + "2");
        Outcome refused =
                s.apply(new Command.AddReplica("db", Optional.of(usedZoneNode), UUID.randomUUID(), "k", 0, s.now));
        assertThat(refused.status()).isEqualTo(Outcome.Status.UNPLACEABLE);
        assertThat(refused.message()).contains("cannot add a leg to volume 'db' on node " + usedZoneNode);

        Outcome added = s.apply(new Command.AddReplica("db", Optional.empty(), UUID.randomUUID(), "k", 0, s.now));
        assertThat(added.isOk()).isTrue();
        Leg fresh =
                s.volume("db").leg(UUID.fromString(added.id().orElseThrow())).orElseThrow();
        assertThat(fresh.awaitingSync()).isTrue();
        assertThat(fresh.index()).as("the next free index").isEqualTo(2);
        assertThat(zoneOf(fresh.nodeId())).isEqualTo(zoneOf(v.legs().get(2).nodeId()));
    }

    @Test
    void aStaleProposalIsRefusedHarmlessly() {
        Volume v = sixNodesAndAttachedVolume();
        Leg lost = v.legs().get(0);
        nodeOffline(lost.nodeId());
        s.now += TIMEOUT;
        List<Command> plan = plan();
        s.heartbeat(lost.nodeId(), s.legsOn(lost.nodeId()));
        ClusterState before = s.machine.snapshot();
        Outcome o = s.apply(plan.getFirst());
        assertThat(o.status()).isEqualTo(Outcome.Status.CONFLICT);
        assertThat(o.message()).endsWith("not missing");
        assertThat(s.machine.snapshot().volumes()).isEqualTo(before.volumes());
    }

    @Test
    void theNewFieldsSurviveASnapshot() throws Exception {
        Volume v = sixNodesAndAttachedVolume();
        s.apply(new Command.DrainNode(v.legs().get(0).nodeId(), s.now));
        nodeOffline(v.legs().get(1).nodeId());
        planAndApply();
        ClusterState state = s.machine.snapshot();
        List<Leg> legs = new ArrayList<>(state.volumes().get(v.id()).legs());
        assertThat(legs)
                .anyMatch(l -> l.replacedBy().isPresent())
                .anyMatch(l -> l.missing().isPresent());
        assertThat(state.nodes().values()).anyMatch(NodeRecord::draining);
        assertThat(StateCodec.decodeSnapshot(StateCodec.encodeSnapshot(state))).isEqualTo(state);
    }
}
