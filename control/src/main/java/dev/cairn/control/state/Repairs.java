package dev.cairn.control.state;

import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegLayout;
import dev.cairn.control.model.LegSync;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import dev.cairn.control.placement.PlacementRequest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What the repair commands and the repair planner both judge: which legs are in sync, how many
 * syncs each node runs, and what a new leg of a volume may be placed on. Pure functions of the
 * state.
 */
final class Repairs {
    private Repairs() {}

    /**
     * Whether a leg holds every acknowledged write as far as the controller knows: it has been in
     * sync once, is not missing, kept (replaced after it went missing) nor behind (known to have
     * missed writes), and the agent serving the volume (if it reported it) says IN_SYNC.
     */
    static boolean inSync(Volume v, Leg leg) {
        if (leg.awaitingSync() || leg.missing().isPresent() || leg.kept() || leg.behind()) {
            return false;
        }
        Optional<LegSync> seen = v.report().map(r -> r.legs().get(leg.extentId()));
        return seen.isEmpty() || seen.get().state() == LegSyncState.IN_SYNC;
    }

    /** In-sync legs of the volume other than {@code leg}. */
    static int inSyncOthers(Volume v, Leg leg) {
        return (int) v.legs().stream()
                .filter(l -> !l.extentId().equals(leg.extentId()))
                .filter(l -> inSync(v, l))
                .count();
    }

    /** Legs being filled by a first sync, per node: what the per-node sync limit counts. */
    static Map<UUID, Integer> syncsPerNode(ClusterState s) {
        Map<UUID, Integer> n = new HashMap<>();
        for (Volume v : s.volumes().values()) {
            for (Leg l : v.legs()) {
                if (l.awaitingSync()) {
                    n.merge(l.nodeId(), 1, Integer::sum);
                }
            }
        }
        return n;
    }

    /** Nodes that already run {@code max} syncs. */
    static Set<UUID> busy(Map<UUID, Integer> syncs, int max) {
        Set<UUID> busy = new HashSet<>();
        syncs.forEach((node, n) -> {
            if (n >= max) {
                busy.add(node);
            }
        });
        return busy;
    }

    /**
     * One new leg for {@code v}: on none of its nodes nor {@code excluded}, on a value of the class's
     * label no staying leg (other than {@code replacing}) has.
     */
    static PlacementRequest newLeg(
            ClusterState s, StorageClass sc, Volume v, Optional<UUID> replacing, Set<UUID> excluded) {
        Set<UUID> nodes = new HashSet<>(excluded);
        Set<String> domains = new HashSet<>();
        for (Leg l : v.legs()) {
            nodes.add(l.nodeId());
            if (l.staying() && !replacing.equals(Optional.of(l.extentId()))) {
                domainOf(s, l.nodeId(), sc.spreadAcross()).ifPresent(domains::add);
            }
        }
        long bytes = LegLayout.allocatedBytes(v.legs().getFirst().extentSizeBytes());
        return new PlacementRequest(1, bytes, sc.spreadAcross(), sc.prefer(), nodes, domains);
    }

    static Optional<String> domainOf(ClusterState s, UUID node, String key) {
        NodeRecord n = s.nodes().get(node);
        return n == null ? Optional.empty() : Optional.ofNullable(n.label(key));
    }

    /** The next free leg index of a volume. */
    static int nextIndex(Volume v) {
        return v.legs().stream().mapToInt(Leg::index).max().orElse(-1) + 1;
    }
}
