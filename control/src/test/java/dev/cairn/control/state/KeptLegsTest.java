package dev.cairn.control.state;

import static dev.cairn.control.state.RepairScenario.allInSyncBut;
import static dev.cairn.control.state.RepairScenario.sync;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegSync;
import dev.cairn.control.model.Orphan;
import dev.cairn.control.model.Volume;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A leg replaced after it went missing is never erased before its replacement is in sync: it is
 * kept (written by nobody), taken back if it returns current enough to catch up, and only then is
 * one of the two copies given up. A leg that missed writes stays behind after a detach.
 */
class KeptLegsTest {
    final RepairScenario r = new RepairScenario();
    final Scenario s = r.s;

    @Test
    void aKeptLegTheAgentCatchesUpIsTakenBackAndItsReplacementCancelled() {
        Volume v = r.sixNodesAndAttachedVolume();
        Leg lost = v.legs().get(1);
        Leg fresh = r.replaceAfterTimeout(lost);
        s.heartbeat(lost.nodeId(), s.legsOn(lost.nodeId())); // its node is back
        Volume now = s.volume("db");
        Map<UUID, LegSync> legs = allInSyncBut(now, fresh.extentId(), LegSyncState.SYNCING);
        legs.put(lost.extentId(), sync(LegSyncState.SYNCING));
        r.agentReports(now, legs);
        assertThat(s.volume("db").leg(lost.extentId()).orElseThrow().kept())
                .as("still catching up")
                .isTrue();

        r.agentReports(now, allInSyncBut(now, fresh.extentId(), LegSyncState.SYNCING));
        Volume after = s.volume("db");
        assertThat(after.legs()).hasSize(3).noneMatch(l -> l.extentId().equals(fresh.extentId()));
        Leg back = after.leg(lost.extentId()).orElseThrow();
        assertThat(back.kept()).isFalse();
        assertThat(back.replacedBy()).isEmpty();
        assertThat(back.behind()).isFalse();
        Orphan cancelled = s.machine.read(st -> st.orphans().get(fresh.extentId()));
        assertThat(cancelled.erase()).isTrue();
        assertThat(cancelled.reason()).contains("cancelled: the leg it was to replace came back and caught up");
        assertThat(r.plan()).as("nothing left to repair").isEmpty();
    }

    @Test
    void aKeptLegTheAgentCannotCatchUpStaysKeptUntilItsReplacementIsInSync() {
        Volume v = r.sixNodesAndAttachedVolume();
        Leg lost = v.legs().get(0);
        Leg fresh = r.replaceAfterTimeout(lost);
        s.heartbeat(lost.nodeId(), s.legsOn(lost.nodeId()));
        Volume now = s.volume("db");
        Map<UUID, LegSync> legs = allInSyncBut(now, fresh.extentId(), LegSyncState.SYNCING);
        legs.put(lost.extentId(), sync(LegSyncState.FAILED));
        r.agentReports(now, legs);
        assertThat(s.volume("db").legs()).hasSize(4);
        assertThat(s.volume("db").leg(lost.extentId()).orElseThrow().kept()).isTrue();
        assertThat(r.plan()).as("a kept leg is not replaced twice").isEmpty();
    }

    @Test
    void aKeptLegReportedInSyncIsTakenBackOnceItsNodeIsHeardFromAgain() {
        Volume v = r.sixNodesAndAttachedVolume();
        Leg lost = v.legs().get(2);
        Leg fresh = r.replaceAfterTimeout(lost);
        Volume now = s.volume("db");
        // The agent never lost it (only the node's heartbeats stopped): it reports it in sync.
        r.agentReports(now, allInSyncBut(now, fresh.extentId(), LegSyncState.SYNCING));
        assertThat(s.volume("db").leg(lost.extentId()).orElseThrow().kept())
                .as("its node is offline: still missing")
                .isTrue();
        s.heartbeat(lost.nodeId(), s.legsOn(lost.nodeId()));
        assertThat(s.volume("db").legs())
                .as("the agent has not vouched for it since")
                .hasSize(4);
        r.agentReports(now, allInSyncBut(now, fresh.extentId(), LegSyncState.SYNCING));
        assertThat(s.volume("db").legs()).hasSize(3).noneMatch(Leg::kept);
        assertThat(s.volume("db").leg(fresh.extentId())).isEmpty();
    }

    @Test
    void aReplacementLostBeforeItsFirstSyncGivesWayToAnotherAndTheKeptLegStays() {
        Volume v = r.sixNodesAndAttachedVolume();
        Leg lost = v.legs().get(1);
        Leg fresh = r.replaceAfterTimeout(lost);
        s.node(r.zoneOf(lost.nodeId()), 100);
        r.nodeOffline(fresh.nodeId());
        s.now += RepairScenario.TIMEOUT;
        List<Command> plan = r.planAndApply();
        assertThat(plan)
                .singleElement()
                .isInstanceOfSatisfying(
                        Command.ReplaceLeg.class, c -> assertThat(c.extentId()).isEqualTo(fresh.extentId()));
        Volume after = s.volume("db");
        Leg second = after.legs().stream()
                .filter(l -> l.awaitingSync() && !l.extentId().equals(fresh.extentId()))
                .findFirst()
                .orElseThrow();
        assertThat(after.leg(fresh.extentId())).as("it never held the data").isEmpty();
        assertThat(second.index()).isEqualTo(fresh.index());
        assertThat(after.leg(lost.extentId()).orElseThrow().replacedBy()).contains(second.extentId());
        assertThat(after.leg(lost.extentId()).orElseThrow().kept()).isTrue();
    }

    @Test
    void aLegThatMissedWritesIsBehindAndStaysSoAfterTheVolumeIsDetached() {
        Volume v = r.sixNodesAndAttachedVolume();
        Leg stale = v.legs().get(0);
        r.agentReports(v, allInSyncBut(v, stale.extentId(), LegSyncState.FAILED));
        s.apply(new Command.DetachVolume("db", s.now));
        Leg after = s.volume("db").leg(stale.extentId()).orElseThrow();
        assertThat(after.missing()).as("nobody reports it failed any more").isEmpty();
        assertThat(after.behind()).isTrue();
        Outcome o = s.apply(new Command.RemoveReplica("db", "1", true, s.now));
        assertThat(o.isOk()).isTrue();
        Outcome last = s.apply(new Command.RemoveReplica("db", "2", true, s.now));
        assertThat(last.status())
                .as("leg 0 missed writes: leg 2 is the only leg known to hold them")
                .isEqualTo(Outcome.Status.CONFLICT);
    }
}
