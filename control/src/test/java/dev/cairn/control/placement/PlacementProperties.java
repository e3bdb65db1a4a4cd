package dev.cairn.control.placement;

import static dev.cairn.control.placement.Clusters.GIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.control.api.Sizes;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.NodeState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.statistics.Statistics;

/** Placement invariants over random heterogeneous clusters and request sequences. */
class PlacementProperties {

    /** A random cluster: {@code nodes} nodes over {@code zones} zones, 1-3 drives of 100-2000 GiB. */
    static ClusterState cluster(long seed, int nodes, int zones) {
        Random r = new Random(seed);
        NodeRecord[] all = new NodeRecord[nodes];
        for (int i = 0; i < nodes; i++) {
            long[] drives = new long[1 + r.nextInt(3)];
            for (int d = 0; d < drives.length; d++) {
                drives[d] = 100L + r.nextInt(1901);
            }
            all[i] = Clusters.node("z" + (i % zones), NodeState.ONLINE, drives);
        }
        return Clusters.of(all);
    }

    /**
     * Every request is checked against a model of the cluster kept beside the placement: it must be
     * placed exactly when enough zones still have a drive with room for a leg (the only constraints
     * of such a request), and a refusal must name the zones and nodes that have room as the model
     * counts them.
     */
    @Property(tries = 60, seed = "301")
    void legsAreOnDistinctZonesAndNoDriveGoesOverCapacity(
            @ForAll @LongRange(min = 1, max = 1_000_000) long seed,
            @ForAll @IntRange(min = 1, max = 30) int nodes,
            @ForAll @IntRange(min = 1, max = 8) int zones) {
        ClusterState cluster = cluster(seed, nodes, zones);
        Placement p = Placement.of(cluster, 0);
        Map<UUID, Long> capacity = new HashMap<>();
        Map<UUID, String> zoneOf = new HashMap<>();
        cluster.nodes().values().forEach(n -> {
            n.drives().forEach(d -> capacity.put(d.id(), d.dataBytes()));
            zoneOf.put(n.id(), n.label("zone"));
        });
        Map<UUID, Long> used = new HashMap<>();
        Random r = new Random(seed);
        for (int i = 0; i < 300; i++) {
            int legs = 1 + r.nextInt(3);
            long bytes = (1 + r.nextInt(400)) * GIB;
            SortedMap<String, Integer> roomyNodesByZone = roomyNodesByZone(cluster, capacity, used, bytes);
            PlacementRequest request = PlacementRequest.of(legs, bytes, "zone", Optional.empty());
            if (roomyNodesByZone.size() < legs) {
                assertThatThrownBy(() -> p.place(request))
                        .as("placing %d legs of %d GiB with room in only %s", legs, bytes / GIB, roomyNodesByZone)
                        .isInstanceOf(PlacementException.class)
                        .hasMessage(refusal(
                                legs, bytes, roomyNodesByZone, cluster.nodes().size()));
                Statistics.label("outcome").collect("refused");
                continue;
            }
            List<PlacedLeg> placed;
            try {
                placed = p.place(request);
            } catch (PlacementException e) {
                throw new AssertionError(
                        "refused " + legs + " legs of " + bytes / GIB + " GiB although zones " + roomyNodesByZone
                                + " have room: " + e.getMessage(),
                        e);
            }
            assertThat(placed).hasSize(legs);
            Set<String> zonesUsed = new HashSet<>();
            for (PlacedLeg leg : placed) {
                assertThat(zonesUsed.add(zoneOf.get(leg.nodeId())))
                        .as("distinct zones")
                        .isTrue();
                assertThat(leg.domain()).isEqualTo(zoneOf.get(leg.nodeId()));
                long after = used.merge(leg.driveId(), bytes, Long::sum);
                assertThat(after).as("drive over capacity").isLessThanOrEqualTo(capacity.get(leg.driveId()));
            }
            p.commit(placed, bytes);
            Statistics.label("outcome").collect("placed");
        }
        // Both answers must be common, or the property checks only one of them.
        Statistics.label("outcome").coverage(checker -> {
            checker.check("placed").percentage(pct -> pct > 10);
            checker.check("refused").percentage(pct -> pct > 10);
        });
    }

    /** The nodes of each zone that have a drive with room for {@code bytes}, as the model counts them. */
    private static SortedMap<String, Integer> roomyNodesByZone(
            ClusterState cluster, Map<UUID, Long> capacity, Map<UUID, Long> used, long bytes) {
        SortedMap<String, Integer> roomy = new TreeMap<>();
        for (NodeRecord n : cluster.nodes().values()) {
            boolean room =
                    n.drives().stream().anyMatch(d -> capacity.get(d.id()) - used.getOrDefault(d.id(), 0L) >= bytes);
            if (room) {
                roomy.merge(n.label("zone"), 1, Integer::sum);
            }
        }
        return roomy;
    }

    /** The explanation of a refused request on a cluster of online nodes that all carry a zone. */
    private static String refusal(int legs, long bytes, SortedMap<String, Integer> roomyNodesByZone, int nodes) {
        int roomyZones = roomyNodesByZone.size();
        int roomyNodes =
                roomyNodesByZone.values().stream().mapToInt(Integer::intValue).sum();
        StringBuilder m = new StringBuilder("needs " + legs + " distinct value" + (legs == 1 ? "" : "s")
                + " of 'zone' with room for a leg of " + Sizes.human(bytes) + ", only " + roomyZones
                + (roomyZones == 1 ? " has" : " have") + " one");
        if (roomyZones > 0) {
            List<String> each = new ArrayList<>();
            roomyNodesByZone.forEach((zone, n) -> each.add("zone=" + zone + ": " + n + (n == 1 ? " node" : " nodes")));
            m.append(" (").append(String.join(", ", each)).append(')');
        }
        return m.append("; of ")
                .append(nodes)
                .append(nodes == 1 ? " node" : " nodes")
                .append(": 0 offline, 0 without a 'zone' label, ")
                .append(nodes - roomyNodes)
                .append(" without room")
                .toString();
    }

    @Property(tries = 20, seed = "302")
    void heterogeneousDrivesFillEvenly(
            @ForAll @LongRange(min = 1, max = 1_000_000) long seed,
            @ForAll @IntRange(min = 6, max = 12) int zones,
            @ForAll @IntRange(min = 1, max = 3) int replicas) {
        ClusterState cluster = cluster(seed, zones * 4, zones);
        Placement p = Placement.of(cluster, 0);
        long total = cluster.nodes().values().stream()
                .flatMap(n -> n.drives().stream())
                .mapToLong(d -> d.dataBytes())
                .sum();
        long smallestDrive = cluster.nodes().values().stream()
                .flatMap(n -> n.drives().stream())
                .mapToLong(d -> d.dataBytes())
                .min()
                .orElseThrow();
        Random r = new Random(seed);
        long placed = 0;
        while (placed < total * 6 / 10) {
            long bytes = (1 + r.nextInt(4)) * GIB;
            List<PlacedLeg> legs;
            try {
                legs = p.place(PlacementRequest.of(replicas, bytes, "zone", Optional.empty()));
            } catch (PlacementException e) {
                throw new AssertionError("cluster filled unevenly: " + e.getMessage(), e);
            }
            p.commit(legs, bytes);
            placed += bytes * replicas;
        }
        List<Double> fractions = new ArrayList<>(p.freeFractions().values());
        double spread = fractions.stream().mapToDouble(d -> d).max().orElseThrow()
                - fractions.stream().mapToDouble(d -> d).min().orElseThrow();
        // A drive's fraction moves in steps of one leg, so the band cannot be narrower than the
        // biggest leg on the smallest drive; placement must keep it within a point of that.
        double step = 4.0 * GIB / smallestDrive;
        assertThat(spread)
                .as("free-fraction spread across %d drives", fractions.size())
                .isLessThan(step + 0.01);
    }
}
