package dev.cairn.control.state;

import static dev.cairn.control.state.Scenario.GIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegLayout;
import dev.cairn.control.model.LegState;
import dev.cairn.control.model.NodeState;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.model.Volume;
import dev.cairn.control.model.VolumeState;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ClusterStateMachineTest {
    final Scenario s = new Scenario();

    @Test
    void aVolumeIsPlacedAcrossZonesAndAvailableOnceEveryLegExists() {
        UUID a = s.node("a", 100);
        UUID b = s.node("b", 100);
        UUID c = s.node("c", 100);
        assertThat(s.createVolume("db", 10 * GIB, "zone-3", 3).isOk()).isTrue();
        Volume v = s.volume("db");
        assertThat(v.state()).isEqualTo(VolumeState.CREATING);
        assertThat(v.legs()).extracting(Leg::nodeId).containsExactlyInAnyOrder(a, b, c);
        assertThat(v.legs()).allMatch(l -> l.extentSizeBytes() == LegLayout.extentBytes(10 * GIB, 1 << 20));
        assertThat(s.machine.desired(a).legs()).containsExactly(legOn(v, a));

        s.heartbeat(a, s.legsOn(a));
        s.heartbeat(b, s.legsOn(b));
        assertThat(s.volume("db").state()).isEqualTo(VolumeState.CREATING);
        s.heartbeat(c, s.legsOn(c));
        assertThat(s.volume("db").state()).isEqualTo(VolumeState.AVAILABLE);
        assertThat(s.volume("db").legs()).allMatch(l -> l.state() == LegState.READY);
    }

    private static Leg legOn(Volume v, UUID node) {
        return v.legs().stream()
                .filter(l -> l.nodeId().equals(node))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void aLegWithTheWrongSizeOrGenerationIsNotReady() {
        UUID a = s.node("a", 100);
        s.createVolume("v", GIB, "single", 1);
        Leg leg = s.volume("v").legs().getFirst();
        s.heartbeat(a, List.of(new ObservedExtent(leg.extentId(), leg.driveId(), 4096, false, 1)));
        assertThat(s.volume("v").state()).isEqualTo(VolumeState.CREATING);
        s.heartbeat(a, List.of(new ObservedExtent(leg.extentId(), leg.driveId(), leg.extentSizeBytes(), false, 0)));
        assertThat(s.volume("v").state()).isEqualTo(VolumeState.CREATING);
    }

    @Test
    void refusedCommandsSayWhyAndChangeNothing() {
        s.node("a", 100);
        s.node("b", 100);
        s.createVolume("taken", GIB, "zone-2", 2);
        ClusterState before = s.machine.snapshot();
        assertRefused(
                s.createVolume("taken", GIB, "zone-2", 2),
                Outcome.Status.CONFLICT,
                "a volume named 'taken' already exists");
        assertRefused(s.createVolume("x", GIB, "gold", 2), Outcome.Status.NOT_FOUND, "no storage class 'gold'");
        assertRefused(s.createVolume("x", 4097, "zone-2", 2), Outcome.Status.INVALID, "not a multiple of 4096");
        assertRefused(s.createVolume("x", -4096, "zone-2", 2), Outcome.Status.INVALID, "must be positive");
        assertRefused(s.createVolume("bad name", GIB, "zone-2", 2), Outcome.Status.INVALID, "volume name");
        assertRefused(
                s.createVolume("x", GIB, "zone-3", 3),
                Outcome.Status.UNPLACEABLE,
                "cannot place volume 'x' (class zone-3): needs 3 distinct values of 'zone' with room for a leg of"
                        + " 1.0 GiB, only 2 have one (zone=a: 1 node, zone=b: 1 node)");
        assertRefused(s.createVolume("x", 99 * GIB, "zone-2", 2), Outcome.Status.UNPLACEABLE, "2 without room");
        assertRefused(s.apply(new Command.DeleteVolume("nope", s.now)), Outcome.Status.NOT_FOUND, "no volume 'nope'");
        ClusterState after = s.machine.snapshot();
        after.setAppliedIndex(before.appliedIndex());
        assertThat(after).isEqualTo(before);
    }

    private static void assertRefused(Outcome o, Outcome.Status status, String message) {
        assertThat(o.status()).isEqualTo(status);
        assertThat(o.message()).contains(message);
    }

    @Test
    void deletedVolumesLeaveOrphansUntilTheirNodesReclaimThem() {
        UUID a = s.node("a", 100);
        s.createVolume("v", GIB, "single", 1);
        s.heartbeat(a, s.legsOn(a));
        List<ObservedExtent> had = s.legsOn(a);
        long before = s.machine.desired(a).changedAt();
        assertThat(s.apply(new Command.DeleteVolume("v", s.now)).isOk()).isTrue();
        assertThat(s.machine.desired(a).legs()).isEmpty();
        assertThat(s.machine.desired(a).changedAt()).isGreaterThan(before);
        assertThat(s.machine.<java.util.Set<UUID>>read(
                        st -> java.util.Set.copyOf(st.orphans().keySet())))
                .containsExactly(had.getFirst().id());
        assertThat(s.machine.desired(a).erase()).containsExactly(had.getFirst().id());
        s.heartbeat(a, had);
        assertThat(s.machine.<Integer>read(st -> st.orphans().size())).isEqualTo(1);
        s.heartbeat(a, List.of());
        assertThat(s.machine.<Boolean>read(st -> st.orphans().isEmpty())).isTrue();
        assertThat(s.machine.desired(a).erase()).isEmpty();
    }

    @Test
    void placementFollowsTheSpaceNodesReportAcrossRepeatedHeartbeats() {
        UUID a = s.node("a", 10);
        assertThat(s.createVolume("one", 3 * GIB, "single", 1).isOk()).isTrue();
        List<ObservedExtent> legs = s.legsOn(a);
        UUID drive = legs.getFirst().driveId();
        long used = LegLayout.allocatedBytes(legs.getFirst().sizeBytes());
        DriveState reported = new DriveState(drive, 10 * GIB, 10 * GIB, used, 10 * GIB - used);
        Command.Heartbeat hb = new Command.Heartbeat(a, List.of(reported), legs, List.of(), -1, s.now);
        s.apply(hb);
        s.apply(hb); // the same again: placement keeps what it knows
        assertThat(s.createVolume("two", 6 * GIB, "single", 1).isOk()).isTrue();
        assertThat(s.createVolume("three", 2 * GIB, "single", 1).status())
                .as("'two' is not made yet, but its space is taken")
                .isEqualTo(Outcome.Status.UNPLACEABLE);
        DriveState fuller = new DriveState(drive, 10 * GIB, 10 * GIB, used + 6 * GIB, 0);
        s.apply(new Command.Heartbeat(a, List.of(fuller), legs, List.of(), -1, s.now));
        assertThat(s.createVolume("three", GIB / 2, "single", 1).status())
                .as("the node reports less free space than placement thought")
                .isEqualTo(Outcome.Status.UNPLACEABLE);
    }

    @Test
    void aVolumeIsDeletedByNameOrById() {
        s.node("a", 100);
        s.createVolume("by-name", GIB, "single", 1);
        s.createVolume("by-id", GIB, "single", 1);
        UUID id = s.volume("by-id").id();
        assertThat(s.apply(new Command.DeleteVolume("by-name", s.now)).isOk()).isTrue();
        assertThat(s.apply(new Command.DeleteVolume(id.toString(), s.now)).isOk())
                .isTrue();
        assertThat(s.machine.<Integer>read(st -> st.volumes().size())).isZero();
        assertThat(s.apply(new Command.DeleteVolume(id.toString(), s.now)).status())
                .isEqualTo(Outcome.Status.NOT_FOUND);
    }

    @Test
    void anOrphanOutlivesAHeartbeatFromANodeThatHasNotSeenTheDeletionYet() {
        UUID a = s.node("a", 100);
        s.createVolume("v", GIB, "single", 1);
        long created = s.machine.read(ClusterState::appliedIndex);
        List<ObservedExtent> legs = s.legsOn(a);
        s.apply(new Command.DeleteVolume("v", s.now));
        // The node has not created the leg yet and last converged before the deletion: it may still
        // create it, so the orphan must stay until it reports having converged past the deletion.
        s.heartbeat(a, List.of(), created);
        assertThat(s.machine.desired(a).erase()).containsExactly(legs.getFirst().id());
        s.heartbeat(a, legs, created);
        assertThat(s.machine.desired(a).erase()).containsExactly(legs.getFirst().id());
        s.heartbeat(a, List.of());
        assertThat(s.machine.desired(a).erase()).isEmpty();
        assertThat(s.machine.<Integer>read(st -> st.orphans().size())).isZero();
    }

    @Test
    void anUnknownExtentIsErasedOnlyWhenTheOperatorAsks() {
        UUID a = s.node("a", 10);
        ObservedExtent stray = new ObservedExtent(UUID.randomUUID(), UUID.randomUUID(), GIB, false, 0);
        s.heartbeat(a, List.of(stray));
        s.heartbeat(a, List.of(stray));
        assertThat(s.machine.desired(a).erase()).isEmpty();
        assertRefused(
                s.apply(new Command.EraseOrphan(UUID.randomUUID(), s.now)), Outcome.Status.NOT_FOUND, "no orphan");
        long before = s.machine.desired(a).changedAt();
        assertThat(s.apply(new Command.EraseOrphan(stray.id(), s.now)).isOk()).isTrue();
        assertThat(s.machine.desired(a).erase()).containsExactly(stray.id());
        assertThat(s.machine.desired(a).changedAt())
                .as("wakes the node's long poll")
                .isGreaterThan(before);
        s.heartbeat(a, List.of());
        assertThat(s.machine.<Integer>read(st -> st.orphans().size())).isZero();
    }

    @Test
    void extentsNobodyWantsAreOrphansAndSpaceOfPendingLegsIsNotReused() {
        UUID a = s.node("a", 10);
        ObservedExtent stray = new ObservedExtent(UUID.randomUUID(), UUID.randomUUID(), GIB, false, 0);
        s.heartbeat(a, List.of(stray));
        assertThat(s.machine.<String>read(st -> st.orphans().get(stray.id()).reason()))
                .startsWith("unknown to the controller");
        assertThat(s.machine.desired(a).erase()).as("never erased on a guess").isEmpty();
        assertThat(s.createVolume("one", 6 * GIB, "single", 1).isOk()).isTrue();
        assertThat(s.createVolume("two", 6 * GIB, "single", 1).status())
                .as("the first volume's leg is not created yet but its space is taken")
                .isEqualTo(Outcome.Status.UNPLACEABLE);
    }

    @Test
    void aNodeGoesOfflineOnlyIfItIsStillSilent() {
        UUID a = s.node("a", 10);
        s.apply(new Command.MarkNodeOffline(a, s.now + 5_000, 10_000));
        assertThat(s.machine.<NodeState>read(st -> st.nodes().get(a).state())).isEqualTo(NodeState.ONLINE);
        s.apply(new Command.MarkNodeOffline(a, s.now + 10_000, 10_000));
        assertThat(s.machine.<NodeState>read(st -> st.nodes().get(a).state())).isEqualTo(NodeState.OFFLINE);
        assertThat(s.createVolume("v", GIB, "single", 1).message()).contains("1 offline");
        s.heartbeat(a, List.of());
        assertThat(s.machine.<NodeState>read(st -> st.nodes().get(a).state())).isEqualTo(NodeState.ONLINE);
    }

    @Test
    void operatorLabelsOutliveReRegistrationAndHostStays() {
        UUID a = s.node("a", 10);
        assertThat(s.apply(new Command.SetNodeLabels(a, Map.of("zone", "b", "rack", "r1"), List.of()))
                        .isOk())
                .isTrue();
        s.apply(new Command.RegisterNode(
                a, "127.0.0.1:1", "http://x", Map.of("zone", "a", "room", "1"), List.of(), s.now));
        assertThat(s.machine.<Map<String, String>>read(st -> st.nodes().get(a).labels()))
                .containsEntry("zone", "b")
                .containsEntry("rack", "r1")
                .containsEntry("room", "1")
                .containsKey("host");
        assertRefused(
                s.apply(new Command.SetNodeLabels(a, Map.of(), List.of("host"))),
                Outcome.Status.INVALID,
                "'host' is implicit");
        assertRefused(
                s.apply(new Command.SetNodeLabels(a, Map.of("Zone", "x"), List.of())),
                Outcome.Status.INVALID,
                "label key 'Zone'");
        assertRefused(
                s.apply(new Command.SetNodeLabels(UUID.randomUUID(), Map.of(), List.of())),
                Outcome.Status.NOT_FOUND,
                "no node");
    }
}
