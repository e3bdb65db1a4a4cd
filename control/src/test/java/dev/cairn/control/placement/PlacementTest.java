package dev.cairn.control.placement;

import static dev.cairn.control.placement.Clusters.GIB;
import static dev.cairn.control.placement.Clusters.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.control.api.Label;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.NodeState;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PlacementTest {

    @Test
    void legsGoToDistinctZonesAndTheEmptiestDrives() throws Exception {
        NodeRecord a1 = node("a", NodeState.ONLINE, 100);
        NodeRecord a2 = node("a", NodeState.ONLINE, 1000);
        NodeRecord b1 = node("b", NodeState.ONLINE, 100);
        NodeRecord c1 = node("c", NodeState.ONLINE, 100);
        Placement p = Placement.of(Clusters.of(a1, a2, b1, c1), 0);
        List<PlacedLeg> legs = p.place(PlacementRequest.of(3, 10 * GIB, "zone", Optional.empty()));
        assertThat(legs).extracting(PlacedLeg::domain).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(legs).extracting(PlacedLeg::nodeId).contains(b1.id(), c1.id());
        p.commit(legs, 10 * GIB);
        // a1 (now emptier in fraction than nothing else in a) is never preferred over a2 by count
        List<PlacedLeg> next = p.place(PlacementRequest.of(1, 10 * GIB, "zone", Optional.empty()));
        assertThat(next.getFirst().nodeId()).isIn(a1.id(), a2.id());
    }

    @Test
    void drivesOfDifferentSizesFillByFractionNotByCount() throws Exception {
        NodeRecord small = node("a", NodeState.ONLINE, 100);
        NodeRecord big = node("b", NodeState.ONLINE, 400);
        Placement p = Placement.of(Clusters.of(small, big), 0);
        int onSmall = 0;
        for (int i = 0; i < 50; i++) {
            List<PlacedLeg> leg = p.place(PlacementRequest.of(1, GIB, "host", Optional.empty()));
            p.commit(leg, GIB);
            onSmall += leg.getFirst().nodeId().equals(small.id()) ? 1 : 0;
        }
        assertThat(onSmall).isEqualTo(10);
    }

    @Test
    void offlineNodesAndUsedDomainsAreNeverChosen() throws Exception {
        NodeRecord off = node("a", NodeState.OFFLINE, 1000);
        NodeRecord on = node("a", NodeState.ONLINE, 10);
        NodeRecord b = node("b", NodeState.ONLINE, 10);
        Placement p = Placement.of(Clusters.of(off, on, b), 0);
        assertThat(p.place(PlacementRequest.of(1, GIB, "zone", Optional.empty()))
                        .getFirst()
                        .nodeId())
                .isIn(on.id(), b.id());
        PlacementRequest notA = new PlacementRequest(1, GIB, "zone", Optional.empty(), Set.of(), Set.of("a"));
        assertThat(p.place(notA).getFirst().nodeId()).isEqualTo(b.id());
        PlacementRequest notB = new PlacementRequest(1, GIB, "zone", Optional.empty(), Set.of(b.id()), Set.of("a"));
        assertThatThrownBy(() -> p.place(notB)).hasMessageContaining("1 already holding a leg");
    }

    @Test
    void aPreferenceWinsOnlyAmongSimilarCandidates() throws Exception {
        NodeRecord a = node("a", NodeState.ONLINE, 100);
        NodeRecord b = node("b", NodeState.ONLINE, 100);
        ClusterState cluster = Clusters.of(a, b);
        Placement p = Placement.of(cluster, 0);
        PlacementRequest preferB = PlacementRequest.of(1, GIB, "host", Optional.of(new Label("zone", "b")));
        assertThat(p.place(preferB).getFirst().nodeId()).isEqualTo(b.id());
        p.commit(List.of(new PlacedLeg(b.id(), b.drives().getFirst().id(), "x")), 20 * GIB);
        assertThat(p.place(preferB).getFirst().nodeId())
                .as("b is 20% fuller: more than the bonus")
                .isEqualTo(a.id());
    }

    @Test
    void anImpossiblePlacementSaysWhichConstraintAndWhatEachFilterRemoved() {
        ClusterState cluster = Clusters.of(
                node("a", NodeState.ONLINE, 100),
                node("a", NodeState.ONLINE, 100),
                node("b", NodeState.ONLINE, 100),
                node("c", NodeState.OFFLINE, 100),
                node("d", NodeState.ONLINE, 1));
        Placement p = Placement.of(cluster, 0);
        assertThatThrownBy(() -> p.place(PlacementRequest.of(3, 10 * GIB, "zone", Optional.empty())))
                .isInstanceOf(PlacementException.class)
                .hasMessage("needs 3 distinct values of 'zone' with room for a leg of 10.0 GiB, only 2 have one"
                        + " (zone=a: 2 nodes, zone=b: 1 node); of 5 nodes: 1 offline, 0 without a 'zone' label,"
                        + " 1 without room");
        assertThatThrownBy(() -> p.place(PlacementRequest.of(1, GIB, "rack", Optional.empty())))
                .hasMessageContaining("only 0 have one; of 5 nodes: 1 offline, 4 without a 'rack' label");
    }

    @Test
    void theSpareReserveIsNotPlacedOn() throws Exception {
        NodeRecord n = node("a", NodeState.ONLINE, 100);
        Placement p = Placement.of(Clusters.of(n), 0.2);
        p.place(PlacementRequest.of(1, 80 * GIB, "zone", Optional.empty()));
        assertThatThrownBy(() -> p.place(PlacementRequest.of(1, 81 * GIB, "zone", Optional.empty())))
                .hasMessageContaining("1 without room");
    }

    /**
     * 24 equal drives in 24 zones, 128 PStores of 4+2 placed in a row: greedy by free space, each
     * round of four PStores fills every drive once, and without a tie-break every round makes the
     * same groups (a drive shares its PStores with the same five others, which alone would then
     * rebuild it). With each PStore's tie-break, a drive shares its PStores with most others; the
     * drives still fill evenly.
     */
    @Test
    void equallyFreeDrivesAreChosenInAnOrderOfTheRequestsOwnSoThatPStoresDoNotFormFixedGroups() throws Exception {
        NodeRecord[] nodes = zonesOfOneDrive(24);
        for (boolean tieBreak : new boolean[] {false, true}) {
            Placement p = Placement.of(Clusters.of(nodes), 0);
            Map<UUID, Set<UUID>> partners = new HashMap<>();
            for (int ps = 0; ps < 128; ps++) {
                PlacementRequest r = PlacementRequest.of(6, GIB, "zone", Optional.empty());
                List<PlacedLeg> placed = p.place(tieBreak ? r.withTieBreak(ps * 7919L) : r);
                p.commit(placed, GIB);
                for (PlacedLeg a : placed) {
                    for (PlacedLeg b : placed) {
                        if (!a.nodeId().equals(b.nodeId())) {
                            partners.computeIfAbsent(a.nodeId(), x -> new HashSet<>())
                                    .add(b.nodeId());
                        }
                    }
                }
            }
            double fullest = p.freeFractions().values().stream()
                    .mapToDouble(x -> x)
                    .min()
                    .orElseThrow();
            double emptiest = p.freeFractions().values().stream()
                    .mapToDouble(x -> x)
                    .max()
                    .orElseThrow();
            assertThat(emptiest - fullest)
                    .as(
                            "filled evenly (within twice the band of %d legs, and one: a leg here is 1%% of a drive)",
                            Placement.TIE_LEGS)
                    .isLessThanOrEqualTo(tieBreak ? (2 * Placement.TIE_LEGS + 1) / 100.0 + 1e-9 : 0);
            int fewest = partners.values().stream().mapToInt(Set::size).min().orElseThrow();
            if (tieBreak) {
                assertThat(fewest).as("partners of the drive with fewest").isGreaterThanOrEqualTo(18);
            } else {
                assertThat(fewest).as("fixed groups of six").isEqualTo(5);
            }
        }
    }

    /**
     * Three of 24 drives stay a little fuller (a KV volume each, say: half a leg): greedy by exact
     * free space puts them into the last PStore of every round of four, together. Within a few legs
     * counted as equally free, they meet no more often than chance would have them.
     */
    @Test
    void drivesALittleFullerThanTheOthersDoNotEndUpTogether() throws Exception {
        NodeRecord[] nodes = zonesOfOneDrive(24);
        Placement p = Placement.of(Clusters.of(nodes), 0);
        Set<UUID> fuller = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            p.commit(
                    List.of(new PlacedLeg(
                            nodes[i].id(), nodes[i].drives().getFirst().id(), "z" + i)),
                    GIB / 2);
            fuller.add(nodes[i].id());
        }
        int together = 0;
        for (int ps = 0; ps < 128; ps++) {
            List<PlacedLeg> placed = p.place(
                    PlacementRequest.of(6, GIB, "zone", Optional.empty()).withTieBreak(ps * 7919L));
            p.commit(placed, GIB);
            together += placed.stream().filter(l -> fuller.contains(l.nodeId())).count() >= 2 ? 1 : 0;
        }
        assertThat(together)
                .as("PStores of 128 holding two of the fuller drives (every round's last: 32; chance alone: about 18)")
                .isLessThanOrEqualTo(24);
        double fullest =
                p.freeFractions().values().stream().mapToDouble(x -> x).min().orElseThrow();
        double emptiest =
                p.freeFractions().values().stream().mapToDouble(x -> x).max().orElseThrow();
        assertThat(emptiest - fullest)
                .as("still filled evenly, within twice the band and a leg")
                .isLessThanOrEqualTo((2 * Placement.TIE_LEGS + 1) / 100.0 + 1e-9);
    }

    /** Eight drives of 10 GiB and one of 40: the big one is clearly the freest, and is in every PStore. */
    @Test
    void aMuchLargerDriveIsNeverLeftOutForNearlyAsFreeSmallerOnes() throws Exception {
        NodeRecord[] nodes = new NodeRecord[9];
        for (int i = 0; i < 8; i++) {
            nodes[i] = node(new UUID(0x5eed, i), "z" + i, NodeState.ONLINE, 10);
        }
        nodes[8] = node(new UUID(0x5eed, 8), "z8", NodeState.ONLINE, 40);
        Placement p = Placement.of(Clusters.of(nodes), 0);
        for (int ps = 0; ps < 30; ps++) {
            List<PlacedLeg> placed = p.place(
                    PlacementRequest.of(6, GIB / 4, "zone", Optional.empty()).withTieBreak(ps * 7919L));
            p.commit(placed, GIB / 4);
            assertThat(placed).extracting(PlacedLeg::nodeId).as("PStore %d", ps).contains(nodes[8].id());
        }
    }

    @Test
    void amongEquallyFreeDrivesTheLeastLoadedNodeComesFirstButFreeSpaceStillRules() throws Exception {
        NodeRecord a = node("a", NodeState.ONLINE, 100);
        NodeRecord b = node("b", NodeState.ONLINE, 100);
        NodeRecord c = node("c", NodeState.ONLINE, 100);
        NodeRecord roomy = node("d", NodeState.ONLINE, 200);
        Placement p = Placement.of(Clusters.of(a, b, c), 0);
        PlacementRequest one = PlacementRequest.of(1, GIB, "zone", Optional.empty());
        Map<UUID, Long> load = Map.of(a.id(), 3 * GIB, b.id(), GIB, c.id(), 2 * GIB);
        assertThat(p.place(one.withNodeLoad(load)).getFirst().nodeId()).isEqualTo(b.id());
        assertThat(p.place(one.withNodeLoad(load).withTieBreak(42)).getFirst().nodeId())
                .isEqualTo(b.id());
        // A drive with more room (by fraction) wins whatever its load.
        Placement q = Placement.of(Clusters.of(a, b, roomy), 0);
        q.commit(q.place(PlacementRequest.of(2, 10 * GIB, "zone", Optional.empty())), 10 * GIB);
        Map<UUID, Long> roomyBusy = Map.of(roomy.id(), 100 * GIB);
        assertThat(q.place(one.withNodeLoad(roomyBusy)).getFirst().nodeId()).isEqualTo(roomy.id());
    }

    /** {@code n} nodes of one 100 GiB drive, each in a zone of its own, with the same ids every run. */
    private static NodeRecord[] zonesOfOneDrive(int n) {
        NodeRecord[] nodes = new NodeRecord[n];
        for (int i = 0; i < n; i++) {
            nodes[i] = node(new UUID(0x5eed, i), "z" + i, NodeState.ONLINE, 100);
        }
        return nodes;
    }
}
