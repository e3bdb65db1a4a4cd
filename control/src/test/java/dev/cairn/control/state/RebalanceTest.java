package dev.cairn.control.state;

import static dev.cairn.control.state.Scenario.GIB;
import static dev.cairn.control.state.Scenario.report;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegLayout;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The rebalance on the state machine: three nodes with small drives hold six 3-leg volumes across
 * zones; three nodes with drives four times larger join, one per zone; the legs move until the
 * drives' fill is within the spread, a volume never having fewer in-sync legs than before.
 */
class RebalanceTest {
    private final Scenario s = new Scenario();
    private final RebalancePlanner.Settings settings = new RebalancePlanner.Settings(2, 0);
    private final Map<String, UUID> nodes = new TreeMap<>();
    private long ids;

    /** Three nodes of 20 GiB in zones a, b, c, six 2 GiB volumes across them, attached and in sync. */
    private void fullSmallNodes() {
        for (String zone : List.of("a", "b", "c")) {
            nodes.put(zone + "1", s.node(zone, 20));
        }
        s.agent("h1");
        for (int i = 0; i < 6; i++) {
            assertThat(s.createVolume("v" + i, 2 * GIB, "zone-3", 3).message()).isEmpty();
        }
        converge();
        for (int i = 0; i < 6; i++) {
            assertThat(s.attach("v" + i, "h1", false).message()).isEmpty();
        }
        converge();
    }

    private void largeNodesJoin() {
        for (String zone : List.of("a", "b", "c")) {
            nodes.put(zone + "2", s.node(zone, 80));
        }
        converge();
    }

    /**
     * Every node makes the legs placed on it and erases its orphans, reporting its drive's use; the
     * agent reports every leg in sync.
     */
    private void converge() {
        for (UUID node : nodes.values()) {
            List<ObservedExtent> extents = s.legsOn(node);
            DriveState d = s.machine.read(st -> st.nodes().get(node).drives().getFirst());
            long used = extents.stream()
                    .mapToLong(e -> LegLayout.allocatedBytes(e.sizeBytes()))
                    .sum();
            DriveState now = new DriveState(d.id(), d.capacityBytes(), d.dataBytes(), used, d.dataBytes() - used);
            long reconciled = s.machine.read(ClusterState::appliedIndex);
            assertThat(s.apply(new Command.Heartbeat(node, List.of(now), extents, List.of(), reconciled, s.now))
                            .message())
                    .isEmpty();
        }
        List<Volume> volumes = s.machine.read(st -> st.volumes().values().stream()
                .filter(v -> v.attachment().isPresent())
                .toList());
        s.agent(
                "h1",
                volumes.stream()
                        .map(v -> report(v, v.attachment().orElseThrow().generation(), LegSyncState.IN_SYNC, 0))
                        .toArray(dev.cairn.control.model.VolumeReport[]::new));
    }

    private List<Command> plan() {
        return s.machine.read(st ->
                RebalancePlanner.plan(st, s.now, settings, () -> new UUID(9, ++ids), () -> "secret-" + ids, Map.of()));
    }

    private RebalancePlanner.Outlook outlook() {
        return s.machine.read(st -> RebalancePlanner.outlook(st, 0, Map.of()));
    }

    @Test
    void legsMoveToTheLargerNodesUntilTheDrivesAreWithinTheSpreadAndEveryMoveKeepsTheOldLegUntilTheNewIsInSync()
            throws Exception {
        fullSmallNodes();
        assertThat(plan()).as("three equally full drives").isEmpty();
        largeNodesJoin();
        RebalancePlanner.Outlook before = outlook();
        assertThat(before.spread()).isGreaterThan(0.5);
        assertThat(before.waiting()).isEmpty();

        int passes = 0;
        long legBytes =
                LegLayout.allocatedBytes(s.volume("v0").legs().getFirst().extentSizeBytes());
        for (List<Command> pass = plan(); !pass.isEmpty(); pass = plan()) {
            assertThat(++passes).as("passes").isLessThanOrEqualTo(10);
            Set<UUID> volumes =
                    pass.stream().map(c -> ((Command.MoveLeg) c).volumeId()).collect(Collectors.toSet());
            assertThat(volumes).as("one move per volume at a time").hasSize(pass.size());
            for (Command c : pass) {
                assertThat(s.apply(c).message()).isEmpty();
            }
            assertThat(plan()).as("the next moves wait for these").isEmpty();
            assertThat(outlook().waiting().orElseThrow()).endsWith("has a leg being filled");
            for (UUID v : volumes) {
                Volume vol = s.machine.read(st -> st.volumes().get(v));
                assertThat(vol.legs()).hasSize(4);
                assertThat(vol.legs().stream().filter(l -> Repairs.inSync(vol, l)))
                        .as("the old legs stay in sync while the new one fills")
                        .hasSize(3);
            }
            converge(); // the new legs are made and in sync: the old ones go
            converge(); // their nodes erase them
        }
        ClusterState whole = s.machine.read(ClusterState::copy);
        assertThat(StateCodec.decodeSnapshot(StateCodec.encodeSnapshot(whole)))
                .as("a snapshot keeps the rebalance's state")
                .isEqualTo(whole);
        RebalancePlanner.Outlook after = outlook();
        assertThat(after.spread()).isLessThanOrEqualTo(0.05);
        assertThat(after.plan().moves()).isEmpty();
        s.machine.read(st -> {
            assertThat(st.orphans()).isEmpty();
            for (Volume v : st.volumes().values()) {
                assertThat(v.legs()).hasSize(3).allMatch(l -> Repairs.inSync(v, l));
                assertThat(v.legs().stream().map(l -> st.nodes().get(l.nodeId()).label("zone")))
                        .doesNotHaveDuplicates();
            }
            // Five of each small node's six legs: with four, the small drives (20 %) and the large (10 %)
            // are 10 points apart; with five, 10 % and 12.5 %.
            assertThat(st.rebalance().moves()).isEqualTo(15);
            assertThat(st.rebalance().bytesMoved()).isEqualTo(15 * legBytes);
            assertThat(st.rebalance().moving()).isEmpty();
            for (String old : List.of("a1", "b1", "c1")) {
                assertThat(legsOn(st, nodes.get(old))).hasSize(1);
            }
            return null;
        });
    }

    @Test
    void aPausedRebalanceStartsNothingAndRefusesAMoveProposedBeforeThePause() {
        fullSmallNodes();
        largeNodesJoin();
        List<Command> pass = plan();
        assertThat(pass).isNotEmpty();
        assertThat(s.apply(new Command.SetRebalance(Optional.of(true), Optional.empty()))
                        .message())
                .isEmpty();
        Outcome refused = s.apply(pass.getFirst());
        assertThat(refused.isOk()).isFalse();
        assertThat(refused.message()).isEqualTo("the rebalance is paused");
        assertThat(plan()).isEmpty();
        assertThat(outlook().waiting()).contains("paused by the operator");
        assertThat(outlook().plan().moves()).as("the plan is still shown").isNotEmpty();

        s.apply(new Command.SetRebalance(Optional.of(false), Optional.empty()));
        assertThat(plan()).isNotEmpty();
    }

    @Test
    void aWiderSpreadStopsTheRebalanceSoonerAndOneOutOfRangeIsRefused() {
        fullSmallNodes();
        largeNodesJoin();
        RebalancePlanner.Outlook at5 = outlook();
        assertThat(at5.plan().spreadAfter()).isLessThanOrEqualTo(0.05);
        assertThat(s.apply(new Command.SetRebalance(Optional.empty(), Optional.of(0.3)))
                        .message())
                .isEmpty();
        RebalancePlanner.Outlook at30 = outlook();
        assertThat(at30.threshold()).isEqualTo(0.3);
        assertThat(at30.plan().spreadAfter()).isLessThanOrEqualTo(0.3).isGreaterThan(0.05);
        assertThat(at30.plan().moves().size()).isLessThan(at5.plan().moves().size());
        Outcome o = s.apply(new Command.SetRebalance(Optional.empty(), Optional.of(0.0)));
        assertThat(o.message()).isEqualTo("the rebalance spread must be from 0.5 to 50 points, got 0.0");
        double spread = s.machine.read(st -> st.rebalance().spread());
        assertThat(spread).isEqualTo(0.3);
    }

    @Test
    void aMoveToANodeOrZoneAnotherLegHoldsIsRefusedAndChangesNothing() {
        fullSmallNodes();
        largeNodesJoin();
        Volume v = s.volume("v0");
        Leg inA = v.legs().stream()
                .filter(l -> l.nodeId().equals(nodes.get("a1")))
                .findFirst()
                .orElseThrow();
        UUID driveOfB2 = drive(nodes.get("b2"));
        UUID driveOfB1 = drive(nodes.get("b1"));
        for (UUID target : List.of(driveOfB2, driveOfB1)) {
            ClusterState before = s.machine.read(ClusterState::copy);
            Outcome o = s.apply(
                    new Command.MoveLeg(v.id(), inA.extentId(), target, UUID.randomUUID(), "secret-x", 2, 0, s.now));
            assertThat(o.isOk()).isFalse();
            assertThat(o.message()).startsWith("drive " + target + " cannot take leg " + inA.index() + " of volume v0");
            boolean unchanged = s.machine.read(st ->
                    st.volumes().equals(before.volumes()) && st.rebalance().equals(before.rebalance()));
            assertThat(unchanged).isTrue();
        }
        Outcome ok = s.apply(new Command.MoveLeg(
                v.id(), inA.extentId(), drive(nodes.get("a2")), new UUID(5, 5), "secret-y", 2, 0, s.now));
        assertThat(ok.message()).isEmpty();
        Outcome again = s.apply(new Command.MoveLeg(
                v.id(), inA.extentId(), drive(nodes.get("a2")), new UUID(5, 6), "secret-z", 2, 0, s.now));
        assertThat(again.message()).contains("has no staying leg");
    }

    @Test
    void aVolumeStillBeingCreatedDoesNotMove() {
        fullSmallNodes();
        largeNodesJoin();
        assertThat(s.createVolume("fresh", GIB, "zone-3", 3).message()).isEmpty();
        Volume v = s.volume("fresh");
        Leg leg = v.legs().getFirst();
        UUID target = drive(
                nodes.get(s.machine.read(st -> st.nodes().get(leg.nodeId()).label("zone")) + "2"));
        Outcome o = s.apply(
                new Command.MoveLeg(v.id(), leg.extentId(), target, UUID.randomUUID(), "secret-c", 2, 0, s.now));
        assertThat(o.message()).isEqualTo("volume fresh is CREATING, not AVAILABLE");
        assertThat(outlook().waiting().orElseThrow()).isEqualTo("volume fresh is being created");
    }

    @Test
    void anExtentKeptForAnOperatorDoesNotHoldTheRebalanceBack() {
        fullSmallNodes();
        largeNodesJoin();
        UUID node = nodes.get("a1");
        DriveState d = s.machine.read(st -> st.nodes().get(node).drives().getFirst());
        List<ObservedExtent> extents = new ArrayList<>(s.legsOn(node));
        extents.add(new ObservedExtent(new UUID(3, 3), d.id(), GIB, false, 1));
        long reconciled = s.machine.read(ClusterState::appliedIndex);
        s.apply(new Command.Heartbeat(node, List.of(d), extents, List.of(), reconciled, s.now));
        boolean kept = s.machine.read(st -> !st.orphans().get(new UUID(3, 3)).erase());
        assertThat(kept)
                .as("an extent the controller never knew is kept, not erased")
                .isTrue();
        assertThat(outlook().waiting()).isEmpty();
        assertThat(plan()).isNotEmpty();
    }

    private UUID drive(UUID node) {
        return s.machine.read(st -> st.nodes().get(node).drives().getFirst().id());
    }

    private static List<Leg> legsOn(ClusterState st, UUID node) {
        List<Leg> out = new ArrayList<>();
        st.volumes()
                .values()
                .forEach(v ->
                        v.legs().stream().filter(l -> l.nodeId().equals(node)).forEach(out::add));
        return out;
    }
}
