package dev.cairn.control.state;

import static dev.cairn.control.state.Scenario.GIB;
import static dev.cairn.control.state.Scenario.report;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.control.model.AgentRecord;
import dev.cairn.control.model.Attachment;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegSync;
import dev.cairn.control.model.Volume;
import dev.cairn.control.model.VolumeReport;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Attaching volumes to client agents: generations (fencing), refusals, reports, the agents' desired state. */
class AttachmentsTest {
    final Scenario s = new Scenario();

    private List<UUID> threeZones() {
        return List.of(s.node("a", 100), s.node("b", 100), s.node("c", 100));
    }

    private Map<UUID, Long> nodesChangedAt(List<UUID> nodes) {
        Map<UUID, Long> at = new TreeMap<>();
        nodes.forEach(n -> at.put(n, s.machine.desired(n).changedAt()));
        return at;
    }

    private static void assertRefused(Outcome o, Outcome.Status status, String message) {
        assertThat(o.status()).isEqualTo(status);
        assertThat(o.message()).isEqualTo(message);
    }

    @Test
    void attachingGivesEveryLegANewGenerationThatTheNodesAreHanded() {
        List<UUID> nodes = threeZones();
        Volume v = s.availableVolume("db", "zone-3", 3);
        assertThat(v.legs()).allMatch(l -> l.generation() == 1);
        s.agent("h1");
        Map<UUID, Long> before = nodesChangedAt(nodes);

        assertThat(s.attach("db", "h1", false).id()).contains(v.id().toString());

        Volume attached = s.volume("db");
        assertThat(attached.attachment()).contains(new Attachment("h1", 2, s.now));
        assertThat(attached.legs()).allMatch(l -> l.generation() == 2);
        for (UUID n : nodes) {
            ClusterStateMachine.Desired d = s.machine.desired(n);
            assertThat(d.changedAt()).as("wakes node " + n).isGreaterThan(before.get(n));
            assertThat(d.legs()).singleElement().extracting(Leg::generation).isEqualTo(2L);
        }
    }

    @Test
    void theAgentIsHandedWhatOpensEveryLegAtTheAttachmentsGeneration() {
        threeZones();
        Volume v = s.availableVolume("db", "zone-3", 3);
        s.agent("h1");
        long before = s.machine.agentDesired("h1").changedAt();
        assertThat(s.machine.agentDesired("h1").volumes()).isEmpty();
        s.attach("db", "h1", false);

        AgentApi.AgentDesiredView d = s.machine.agentDesired("h1");
        assertThat(d.changedAt()).isGreaterThan(before);
        AgentApi.AttachedVolume av = d.volumes().getFirst();
        assertThat(av.volumeId()).isEqualTo(v.id());
        assertThat(av.sizeBytes()).isEqualTo(GIB);
        assertThat(av.regionSizeBytes()).isEqualTo(1 << 20);
        assertThat(av.generation()).isEqualTo(2);
        assertThat(av.legs()).hasSize(3);
        for (AgentApi.AttachedLeg l : av.legs()) {
            Leg leg = v.legs().get(l.index());
            assertThat(l.extentId()).isEqualTo(leg.extentId());
            assertThat(l.nodeId()).isEqualTo(leg.nodeId());
            assertThat(l.secret()).isEqualTo(leg.secret());
            assertThat(l.extentSizeBytes()).isEqualTo(leg.extentSizeBytes());
            assertThat(l.nbdAddress()).isEqualTo("127.0.0.1:10809");
        }
        assertThat(s.machine.agentDesired("h2").volumes()).isEmpty();
    }

    @Test
    void attachingIsRefusedForACreatingVolumeAHostWithoutAgentOrAVolumeAttachedElsewhere() {
        threeZones();
        s.availableVolume("db", "zone-3", 3);
        s.createVolume("new", GIB, "zone-3", 3);
        ClusterState before = s.machine.snapshot();
        assertRefused(s.attach("db", "h1", false), Outcome.Status.NOT_FOUND, "no agent on host 'h1' (agents: none)");
        assertRefused(s.attach("nope", "h1", false), Outcome.Status.NOT_FOUND, "no volume 'nope'");
        assertRefused(
                s.attach("db", "-h", false),
                Outcome.Status.INVALID,
                "host name '-h' must be letters, digits, '.', '_' or '-' (up to 63, not starting with a symbol)");
        unchangedSince(before);

        s.agent("h2");
        s.agent("h1");
        assertRefused(
                s.attach("new", "h1", false),
                Outcome.Status.CONFLICT,
                "volume 'new' is CREATING: not every leg exists yet");
        assertRefused(s.attach("db", "h3", false), Outcome.Status.NOT_FOUND, "no agent on host 'h3' (agents: h1, h2)");
        assertThat(s.attach("db", "h1", false).isOk()).isTrue();
        ClusterState attached = s.machine.snapshot();
        assertRefused(
                s.attach("db", "h2", false),
                Outcome.Status.CONFLICT,
                "volume 'db' is attached to host 'h1'; detach it first, or force the move (the agent on 'h1' is"
                        + " fenced)");
        unchangedSince(attached);
    }

    private void unchangedSince(ClusterState before) {
        ClusterState after = s.machine.snapshot();
        after.setAppliedIndex(before.appliedIndex());
        assertThat(after).isEqualTo(before);
    }

    @Test
    void aForcedMoveRaisesTheGenerationAgainAndOnlyTheNewAgentIsHeard() {
        threeZones();
        Volume v = s.availableVolume("db", "zone-3", 3);
        s.agent("h1");
        s.agent("h2");
        s.attach("db", "h1", false);
        s.agent("h1", report(v, 2, LegSyncState.IN_SYNC, 0));
        assertThat(s.volume("db").report()).isPresent();
        long h1Before = s.machine.agentDesired("h1").changedAt();

        assertThat(s.attach("db", "h2", true).isOk()).isTrue();
        Volume moved = s.volume("db");
        assertThat(moved.attachment()).contains(new Attachment("h2", 3, s.now));
        assertThat(moved.legs()).allMatch(l -> l.generation() == 3);
        assertThat(moved.report()).as("the old agent's report is dropped").isEmpty();
        assertThat(s.machine.agentDesired("h1").volumes()).isEmpty();
        assertThat(s.machine.agentDesired("h1").changedAt()).isGreaterThan(h1Before);
        assertThat(s.machine.agentDesired("h2").volumes())
                .singleElement()
                .extracting(AgentApi.AttachedVolume::generation)
                .isEqualTo(3L);

        s.agent("h1", report(v, 2, LegSyncState.FAILED, 0));
        s.agent("h1", report(v, 3, LegSyncState.FAILED, 0));
        assertThat(s.volume("db").report()).as("not h1's to report on any more").isEmpty();
        s.agent("h2", report(v, 2, LegSyncState.SYNCING, 0));
        assertThat(s.volume("db").report()).as("a generation h2 does not hold").isEmpty();
        s.agent("h2", report(v, 3, LegSyncState.SYNCING, 4096));
        assertThat(s.volume("db").report()).contains(report(v, 3, LegSyncState.SYNCING, 4096));
    }

    @Test
    void attachingAgainToTheSameHostRaisesTheGenerationWithoutForce() {
        s.node("a", 100);
        s.availableVolume("v", "single", 1);
        s.agent("h1");
        s.attach("v", "h1", false);
        assertThat(s.attach("v", "h1", false).isOk()).isTrue();
        assertThat(s.volume("v").attachment().map(Attachment::generation)).contains(3L);
        assertThat(s.volume("v").legs().getFirst().generation()).isEqualTo(3);
    }

    @Test
    void detachingRaisesTheGenerationAndForgetsTheAttachmentAndReport() {
        List<UUID> nodes = threeZones();
        Volume v = s.availableVolume("db", "zone-3", 3);
        s.agent("h1");
        s.attach(v.id().toString(), "h1", false);
        s.agent("h1", report(v, 2, LegSyncState.IN_SYNC, 0));
        Map<UUID, Long> nodesBefore = nodesChangedAt(nodes);
        long agentBefore = s.machine.agentDesired("h1").changedAt();

        assertThat(s.apply(new Command.DetachVolume("db", s.now)).isOk()).isTrue();
        Volume detached = s.volume("db");
        assertThat(detached.attachment()).isEmpty();
        assertThat(detached.report()).isEmpty();
        assertThat(detached.legs()).allMatch(l -> l.generation() == 3);
        nodes.forEach(n -> assertThat(s.machine.desired(n).changedAt()).isGreaterThan(nodesBefore.get(n)));
        assertThat(s.machine.agentDesired("h1").volumes()).isEmpty();
        assertThat(s.machine.agentDesired("h1").changedAt()).isGreaterThan(agentBefore);

        assertRefused(
                s.apply(new Command.DetachVolume("db", s.now)), Outcome.Status.CONFLICT, "volume 'db' is not attached");
        assertRefused(s.apply(new Command.DetachVolume("nope", s.now)), Outcome.Status.NOT_FOUND, "no volume 'nope'");
    }

    @Test
    void anAttachedVolumeCannotBeDeleted() {
        s.node("a", 100);
        s.availableVolume("v", "single", 1);
        s.agent("h1");
        s.attach("v", "h1", false);
        assertRefused(
                s.apply(new Command.DeleteVolume("v", s.now)),
                Outcome.Status.CONFLICT,
                "volume 'v' is attached to host 'h1'; detach it first");
        assertThat(s.machine.<Integer>read(st -> st.orphans().size())).isZero();
        s.apply(new Command.DetachVolume("v", s.now));
        assertThat(s.apply(new Command.DeleteVolume("v", s.now)).isOk()).isTrue();
    }

    @Test
    void anAgentRegistersWithItsFirstHeartbeatAndKeepsOnlyReportsOfItsOwnLegs() {
        s.node("a", 100);
        Volume v = s.availableVolume("v", "single", 1);
        assertRefused(
                s.agent("no such host"),
                Outcome.Status.INVALID,
                "host name 'no such host' must be letters, digits, '.', '_' or '-' (up to 63, not starting with a"
                        + " symbol)");
        assertThat(s.machine.<Integer>read(st -> st.agents().size())).isZero();
        s.agent("h1", report(v, 1, LegSyncState.IN_SYNC, 0));
        assertThat(s.machine.<AgentRecord>read(st -> st.agents().get("h1")))
                .isEqualTo(new AgentRecord("h1", "h1:10810", s.now));
        assertThat(s.volume("v").report()).as("not attached").isEmpty();

        s.attach("v", "h1", false);
        UUID stranger = UUID.randomUUID();
        VolumeReport withStranger = report(v, 2, LegSyncState.FAILED, 0);
        TreeMap<UUID, LegSync> legs = new TreeMap<>(withStranger.legs());
        legs.put(stranger, new LegSync(LegSyncState.IN_SYNC, Optional.empty()));
        legs.put(v.legs().getFirst().extentId(), new LegSync(LegSyncState.FAILED, Optional.of("EIO")));
        s.now += 1000;
        s.agent("h1", new VolumeReport(v.id(), 2, legs, withStranger.resync()));
        assertThat(s.volume("v").report().orElseThrow().legs())
                .containsOnlyKeys(v.legs().getFirst().extentId())
                .containsValue(new LegSync(LegSyncState.FAILED, Optional.of("EIO")));
        assertThat(s.machine.<Long>read(st -> st.agents().get("h1").lastHeartbeatMillis()))
                .isEqualTo(s.now);
    }

    @Test
    void theAgentsDesiredStateFollowsTheAddressesOfTheNodesItOpens() {
        UUID a = s.node("a", 100);
        s.availableVolume("v", "single", 1);
        s.agent("h1");
        s.agent("h2");
        s.attach("v", "h1", false);
        long attachedAt = s.machine.agentDesired("h1").changedAt();
        long otherAt = s.machine.agentDesired("h2").changedAt();
        reRegister(a, "127.0.0.1:10809");
        assertThat(s.machine.agentDesired("h1").changedAt()).as("same address").isEqualTo(attachedAt);

        reRegister(a, "10.0.0.7:10809");
        AgentApi.AgentDesiredView d = s.machine.agentDesired("h1");
        assertThat(d.changedAt()).isGreaterThan(attachedAt);
        assertThat(d.volumes().getFirst().legs().getFirst().nbdAddress()).isEqualTo("10.0.0.7:10809");
        assertThat(s.machine.agentDesired("h2").changedAt())
                .as("nothing of h2's moved")
                .isEqualTo(otherAt);
    }

    /** The node registers again (a restart), at {@code nbdAddress}. */
    private void reRegister(UUID node, String nbdAddress) {
        s.apply(new Command.RegisterNode(
                node,
                nbdAddress,
                "http://127.0.0.1:8410",
                Map.of("zone", "a"),
                s.machine.read(st -> st.nodes().get(node).drives()),
                s.now));
    }
}
