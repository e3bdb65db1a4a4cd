package dev.cairn.control.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.model.NodeState;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.model.Orphan;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The DKV's layout in the state machine: the first shard, mirrors replaced after their node left
 * and recovered, the epoch rising with every change, reservations and their limits, snapshots.
 */
class DkvStateTest {
    static final Command.DkvPlacement PLACEMENT = new Command.DkvPlacement(3, 2, 0);
    final Scenario s = new Scenario();
    final List<UUID> nodes = new ArrayList<>();

    private void fourNodes() {
        for (String zone : List.of("a", "b", "c", "d")) {
            nodes.add(s.node(zone, 1));
        }
    }

    private DkvPlanner.Plan fullPlan() {
        return s.machine.read(st -> DkvPlanner.plan(st, PLACEMENT, UUID::randomUUID, () -> "secret", s.now));
    }

    private List<Command> plan() {
        return fullPlan().commands();
    }

    private DkvLayout dkv() {
        return s.machine.read(ClusterState::dkv);
    }

    /** Every node reports the KV volumes it should hold, at the current epoch. */
    private void nodesServeTheirKvVolumes() {
        for (UUID n : nodes) {
            if (s.machine.read(st -> st.nodes().get(n).state()) != NodeState.ONLINE) {
                continue;
            }
            ClusterStateMachine.Desired d = s.machine.desired(n);
            List<ObservedExtent> kv = d.kvVolumes().stream()
                    .map(m -> new ObservedExtent(m.extentId(), m.driveId(), d.kvVolumeBytes(), false, d.kvEpoch()))
                    .toList();
            assertThat(s.heartbeat(n, kv).isOk()).isTrue();
        }
    }

    @Test
    void aClusterStartsWithOneShardOnceItCanPlaceItsMirrors() {
        nodes.add(s.node("a", 1));
        nodes.add(s.node("b", 1));
        assertThat(plan()).as("two nodes for three mirrors").isEmpty();
        assertThat(fullPlan().waiting())
                .singleElement()
                .asString()
                .startsWith("the first shard (3 KV volumes of 16777216 bytes) waits for room: ");
        assertThat(s.apply(reserve(1)).status()).as("two nodes").isEqualTo(Outcome.Status.UNPLACEABLE);
        assertThat(dkv().shards()).isEmpty();
        nodes.add(s.node("c", 1));
        List<Command> first = plan();
        assertThat(first)
                .singleElement()
                .isInstanceOfSatisfying(
                        Command.ReserveDkvKeys.class, r -> assertThat(r.keys()).isZero());
        assertThat(fullPlan().waiting()).isEmpty();
        assertThat(s.apply(first.getFirst()).isOk()).isTrue();
        assertThat(dkv().shards()).hasSize(1);
        assertThat(dkv().reservedKeys()).isZero();
        assertThat(s.apply(reserve(1)).isOk()).as("room in the first shard").isTrue();

        DkvLayout d = dkv();
        assertThat(d.shards()).hasSize(1);
        assertThat(d.epoch()).isEqualTo(1);
        assertThat(d.reservedKeys()).isEqualTo(1);
        assertThat(d.shards().getFirst().mirrors()).allMatch(DkvLayout.Mirror::ready);
        assertThat(d.mirrors().stream().map(DkvLayout.Mirror::nodeId).collect(Collectors.toSet()))
                .containsExactlyInAnyOrderElementsOf(nodes);
        assertThat(plan()).isEmpty();

        nodesServeTheirKvVolumes();
        assertThat(s.machine.snapshot().orphans())
                .as("KV volumes are not orphans")
                .isEmpty();
        assertThat((boolean) s.machine.read(st -> DkvPlanner.usable(st, 0))).isTrue();
        for (UUID n : nodes) {
            assertThat(s.machine.desired(n).kvVolumes()).hasSize(1);
        }
    }

    @Test
    void aMirrorWhoseNodeLeftIsReplacedRecoveredAndTheOldOneErased() {
        fourNodes();
        s.apply(reserve(1));
        nodesServeTheirKvVolumes();
        DkvLayout before = dkv();
        DkvLayout.Mirror lost = before.mirrors().getFirst();
        UUID spare = nodes.stream()
                .filter(n -> before.mirrorsOn(n).isEmpty())
                .findFirst()
                .orElseThrow();

        s.now += 60_000;
        assertThat(s.apply(new Command.MarkNodeOffline(lost.nodeId(), s.now, 1)).isOk())
                .isTrue();
        assertThat(dkv().epoch()).as("a node holding a mirror left").isEqualTo(before.epoch() + 1);

        List<Command> plan = plan();
        assertThat(plan).singleElement().isInstanceOf(Command.ReplaceDkvMirror.class);
        assertThat(s.apply(plan.getFirst()).isOk()).isTrue();
        DkvLayout after = dkv();
        assertThat(after.epoch()).isEqualTo(before.epoch() + 2);
        DkvLayout.Mirror fresh = after.mirrorsOn(spare).getFirst();
        assertThat(fresh.ready()).isFalse();
        assertThat(after.mirror(lost.extentId())).isEmpty();
        assertThat(s.machine.snapshot().orphans())
                .as("the replaced mirror is kept until the shard is recovered: it may be the last good copy")
                .doesNotContainKey(lost.extentId());
        assertThat(after.shards().getFirst().retired()).containsExactly(lost);

        assertThat(s.machine.read(DkvPlanner::recoverable))
                .as("not every mirror serves the new epoch yet")
                .isEmpty();
        nodesServeTheirKvVolumes();
        assertThat(s.machine.read(DkvPlanner::recoverable)).containsExactly(0);

        Outcome stale = s.apply(new Command.DkvShardRecovered(0, after.epoch() - 1, s.now));
        assertThat(stale.status()).isEqualTo(Outcome.Status.CONFLICT);
        assertThat(s.apply(new Command.DkvShardRecovered(0, after.epoch(), s.now))
                        .isOk())
                .isTrue();
        assertThat(dkv().mirrors()).allMatch(DkvLayout.Mirror::ready);
        assertThat(dkv().retired()).isEmpty();
        assertThat(s.machine.read(DkvPlanner::recoverable)).isEmpty();
        Orphan orphan = s.machine.read(st -> st.orphans().get(lost.extentId()));
        assertThat(orphan.erase()).isTrue();
        assertThat(orphan.nodeId()).isEqualTo(lost.nodeId());

        // The node comes back holding the replaced mirror: it erases it.
        ObservedExtent old = new ObservedExtent(lost.extentId(), lost.driveId(), after.kvVolumeBytes(), false, 1);
        assertThat(s.heartbeat(lost.nodeId(), List.of(old)).isOk()).isTrue();
        assertThat(s.machine.desired(lost.nodeId()).erase()).containsExactly(lost.extentId());
        assertThat(s.machine.desired(lost.nodeId()).kvVolumes()).isEmpty();
    }

    @Test
    void aMirrorOnADrainedNodeMovesOffItOneAtATimeAndTheOldOneIsKeptUntilTheNewIsRecovered() {
        fourNodes();
        s.apply(reserve(1));
        nodesServeTheirKvVolumes();
        DkvLayout before = dkv();
        DkvLayout.Mirror leaving = before.mirrors().getFirst();
        UUID spare = nodes.stream()
                .filter(n -> before.mirrorsOn(n).isEmpty())
                .findFirst()
                .orElseThrow();
        assertThat(s.apply(new Command.DrainNode(leaving.nodeId(), s.now)).isOk())
                .isTrue();

        List<Command> plan = plan();
        assertThat(plan)
                .singleElement()
                .isInstanceOfSatisfying(
                        Command.ReplaceDkvMirror.class,
                        r -> assertThat(r.extentId()).isEqualTo(leaving.extentId()));
        assertThat(s.apply(plan.getFirst()).isOk()).isTrue();
        DkvLayout after = dkv();
        assertThat(after.epoch()).isEqualTo(before.epoch() + 1);
        assertThat(after.mirrorsOn(spare)).singleElement().matches(m -> !m.ready());
        assertThat(after.shards().getFirst().retired())
                .as("the drained mirror is kept, served, until the new one is recovered")
                .containsExactly(leaving);
        assertThat(plan()).as("one change of the shard at a time").isEmpty();

        nodesServeTheirKvVolumes();
        assertThat(s.apply(new Command.DkvShardRecovered(0, after.epoch(), s.now))
                        .isOk())
                .isTrue();
        assertThat(dkv().mirrorsOn(leaving.nodeId())).isEmpty();
        boolean erased =
                s.machine.read(st -> st.orphans().get(leaving.extentId()).erase());
        assertThat(erased)
                .as("the drained mirror is erased once the new one is recovered")
                .isTrue();
        assertThat(plan()).isEmpty();
    }

    @Test
    void aMirrorOnAnUndrainedOnlineNodeIsNotReplaced() {
        fourNodes();
        s.apply(reserve(1));
        nodesServeTheirKvVolumes();
        DkvLayout.Mirror m = dkv().mirrors().getFirst();
        Outcome o =
                s.apply(new Command.ReplaceDkvMirror(0, m.extentId(), UUID.randomUUID(), "secret", PLACEMENT, s.now));
        assertThat(o.status()).isEqualTo(Outcome.Status.CONFLICT);
        assertThat(o.message()).endsWith("is online with its drive and not drained; kept");
    }

    @Test
    void aMirrorWhoseDriveIsGoneIsReplacedWhileItsNodeStaysOnline() {
        fourNodes();
        s.apply(reserve(1));
        nodesServeTheirKvVolumes();
        DkvLayout before = dkv();
        DkvLayout.Mirror lost = before.mirrors().getFirst();
        long applied = s.machine.read(ClusterState::appliedIndex);
        // The node reports no drive any more (the drive failed and was taken out); it stays online.
        assertThat(s.apply(new Command.Heartbeat(lost.nodeId(), List.of(), List.of(), List.of(), applied, s.now))
                        .isOk())
                .isTrue();
        assertThat(dkv().epoch()).as("a mirror's drive left").isEqualTo(before.epoch() + 1);
        List<Command> plan = plan();
        assertThat(plan)
                .singleElement()
                .isInstanceOfSatisfying(
                        Command.ReplaceDkvMirror.class,
                        r -> assertThat(r.extentId()).isEqualTo(lost.extentId()));
        assertThat(s.apply(plan.getFirst()).isOk()).isTrue();
        assertThat(dkv().shards().getFirst().retired()).containsExactly(lost);
        assertThat(s.machine.snapshot().nodes().get(lost.nodeId()).state()).isEqualTo(NodeState.ONLINE);
    }

    @Test
    void aNodeThatReturnsBeforeItsMirrorIsReplacedHasItRecoveredFirst() {
        nodes.add(s.node("a", 1));
        nodes.add(s.node("b", 1));
        nodes.add(s.node("c", 1));
        s.apply(reserve(1));
        nodesServeTheirKvVolumes();
        UUID away = nodes.getFirst();
        s.now += 60_000;
        s.apply(new Command.MarkNodeOffline(away, s.now, 1));
        assertThat(plan())
                .as("no fourth node to take the mirror: nothing proposed")
                .isEmpty();
        assertThat(fullPlan().waiting())
                .singleElement()
                .asString()
                .startsWith("shard 0's mirror ")
                .contains("waits for room for a new one");
        long epoch = dkv().epoch();
        nodesServeTheirKvVolumes();
        s.heartbeat(away, List.of());
        assertThat(dkv().epoch()).isEqualTo(epoch + 1);
        assertThat(dkv().mirrorsOn(away)).singleElement().matches(m -> !m.ready());
        nodesServeTheirKvVolumes();
        assertThat(s.machine.read(DkvPlanner::recoverable)).containsExactly(0);
    }

    @Test
    void reservationsHandOutKeysAndAddShardsUntilTheDrivesAreFull() {
        fourNodes();
        Outcome first = s.apply(reserve(5000));
        assertThat(first.id()).contains(Long.toString(DkvLayout.FIRST_KEY));
        assertThat(dkv().shards()).hasSize(2);
        Outcome second = s.apply(reserve(100));
        assertThat(second.id()).contains(Long.toString(DkvLayout.FIRST_KEY + 5000));
        assertThat(dkv().shards()).as("room was left in the second shard").hasSize(2);
        for (UUID n : nodes) {
            assertThat(dkv().mirrorsOn(n).size()).isBetween(1, 2);
        }
        Set<Integer> perShardNodes = dkv().shards().stream()
                .map(sh -> (int) sh.mirrors().stream()
                        .map(DkvLayout.Mirror::nodeId)
                        .distinct()
                        .count())
                .collect(Collectors.toSet());
        assertThat(perShardNodes).containsExactly(3);

        ClusterState before = s.machine.snapshot();
        Outcome full = s.apply(reserve(8192));
        assertThat(full.status()).isEqualTo(Outcome.Status.UNPLACEABLE);
        assertThat(full.message()).contains("no room for shard 2 of the DKV");
        assertThat(s.machine.snapshot().dkv()).as("nothing changed").isEqualTo(before.dkv());

        Outcome tooMany = s.apply(reserve(DkvLayout.MAX_KEYS + 1));
        assertThat(tooMany.status()).isEqualTo(Outcome.Status.INVALID);
    }

    @Test
    void theLayoutSurvivesASnapshot() throws Exception {
        fourNodes();
        s.apply(reserve(5000));
        ClusterState state = s.machine.snapshot();
        assertThat(state.dkv().shards()).hasSize(2);
        assertThat(StateCodec.decodeSnapshot(StateCodec.encodeSnapshot(state))).isEqualTo(state);
    }

    private Command.ReserveDkvKeys reserve(long keys) {
        return s.machine.read(st -> DkvPlanner.reserve(st, keys, PLACEMENT, UUID::randomUUID, () -> "secret", s.now));
    }
}
