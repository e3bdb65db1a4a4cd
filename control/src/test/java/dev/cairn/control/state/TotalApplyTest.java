package dev.cairn.control.state;

import static dev.cairn.control.state.Scenario.GIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.NodeState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Applying a command never throws: it changes the state, or is refused and changes nothing. */
class TotalApplyTest {
    private final Scenario s = new Scenario();

    /** The state as it is, but for the applied index (which a refused command advances too). */
    private ClusterState stateAt(long appliedIndex) {
        ClusterState copy = s.machine.snapshot();
        copy.setAppliedIndex(appliedIndex);
        return copy;
    }

    @Test
    void theOverflowingVolumeOfIssue14IsRefusedAndTheControllerGoesOn() {
        s.node("a", 100);
        s.node("b", 100);
        s.node("c", 100);
        ClusterState before = s.machine.snapshot();

        Outcome o = s.createVolume("ovf", 9223372036853727232L, "zone-3", 3);

        assertThat(o.status()).isEqualTo(Outcome.Status.INVALID);
        assertThat(o.message())
                .isEqualTo("volume size 9223372036853727232 is larger than the largest a volume may be,"
                        + " 70368744177664 (64 TiB)");
        assertThat(stateAt(before.appliedIndex())).isEqualTo(before);
        assertThat(s.machine.read(ClusterState::appliedIndex)).isEqualTo(before.appliedIndex() + 1);
        assertThat(s.createVolume("fits", GIB, "zone-3", 3).isOk()).isTrue();
    }

    @Test
    void aCommandThatThrowsHalfWayIsRolledBackAndRefusedAsABug() {
        // A state no command makes, as a damaged snapshot could hold it: a node without an NBD address.
        // Registering it again replaces its record and touches the index, then trips over the null.
        UUID node = UUID.randomUUID();
        DriveState drive = new DriveState(UUID.randomUUID(), 100 * GIB, 100 * GIB, 0, 100 * GIB);
        NodeRecord odd = new NodeRecord(
                node,
                null,
                "http://n:1",
                new TreeMap<>(Map.of("zone", "a", "host", "n")),
                List.of(drive),
                new TreeMap<>(),
                List.of(),
                NodeState.ONLINE,
                1,
                1,
                Optional.empty(),
                List.of(),
                null);
        ClusterStateMachine machine = new ClusterStateMachine(ClusterState.of(
                7, List.of(odd), ClusterState.empty().classes().values(), List.of(), List.of(), List.of()));
        ClusterState before = machine.snapshot();
        long changedBefore = machine.desired(node).changedAt();

        Outcome o = machine.apply(
                8, new Command.RegisterNode(node, "n:10809", "http://n:1", Map.of("zone", "b"), List.of(drive), 50));

        assertThat(o.status()).isEqualTo(Outcome.Status.FAILED);
        assertThat(o.message())
                .startsWith("the controller failed to apply RegisterNode (a bug, logged): ")
                .contains("NullPointerException");
        ClusterState after = machine.snapshot();
        assertThat(after.appliedIndex()).isEqualTo(8);
        after.setAppliedIndex(7);
        assertThat(after).isEqualTo(before);
        assertThat(machine.desired(node).changedAt())
                .as("the index is rebuilt from the state as it was")
                .isEqualTo(changedBefore);
        assertThat(machine.apply(9, new Command.DrainNode(node, 60)).isOk()).isTrue();
    }

    @Test
    void commandsCarryingNullsOrOutOfBoundsFiguresAreRefusedWithWhatIsWrong() {
        UUID node = s.node("a", 100);
        ClusterState before = s.machine.snapshot();
        DriveState drive = s.machine.read(st -> st.nodes().get(node).drives().getFirst());
        assertRefused(new Command.Heartbeat(node, null, List.of(), List.of(), -1, s.now), "drives is missing");
        assertRefused(new Command.DeleteVolume(null, s.now), "volume is missing");
        assertRefused(new Command.DrainNode(node, -1), "time -1 is not between 0 and 253402300799999");
        assertRefused(new Command.MarkNodeOffline(node, s.now, Long.MAX_VALUE), "offlineAfterMillis must be from 0 to");
        assertRefused(
                new Command.Heartbeat(
                        node,
                        List.of(new DriveState(drive.id(), Long.MAX_VALUE, 1, 0, 1)),
                        List.of(),
                        List.of(),
                        -1,
                        s.now),
                "capacityBytes must be from 0 to 1125899906842624");
        assertRefused(
                new Command.CreateVolume(
                        UUID.randomUUID(),
                        "v",
                        GIB,
                        "single",
                        List.of(UUID.randomUUID()),
                        List.of("not a secret"),
                        0,
                        s.now),
                "a leg secret must be 1 to 64 letters, digits or . _ ~ -");
        UUID twice = UUID.randomUUID();
        assertRefused(
                new Command.CreateVolume(
                        UUID.randomUUID(), "v", GIB, "zone-2", List.of(twice, twice), List.of("s1", "s2"), 0, s.now),
                "extentIds name an extent twice");
        assertRefused(new Command.RemoveReplica("v", null, false, s.now), "leg is missing");
        assertThat(stateAt(before.appliedIndex())).isEqualTo(before);
    }

    private void assertRefused(Command c, String reason) {
        Outcome o = s.apply(c);
        assertThat(o.status()).as(c.toString()).isEqualTo(Outcome.Status.INVALID);
        assertThat(o.message()).contains(reason);
    }
}
