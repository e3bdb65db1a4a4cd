package dev.cairn.control.placement;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegLayout;
import dev.cairn.control.model.LegState;
import dev.cairn.control.model.Limits;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.model.Volume;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The bytes each drive owes to extents the cluster's state wants that their nodes have not made
 * yet: legs being created, BStores of volumes being created or grown and of rebuilds, KV volumes,
 * and the growth of extents (a growing volume's legs, its last PStore's members) not grown yet.
 */
final class PendingBytes {
    private PendingBytes() {}

    static Map<UUID, Long> of(ClusterState state) {
        Map<UUID, Long> pending = new HashMap<>();
        for (Volume v : state.volumes().values()) {
            for (Leg leg : v.legs()) {
                NodeRecord node = state.nodes().get(leg.nodeId());
                boolean reported = node != null && node.extents().containsKey(leg.extentId());
                if (leg.state() == LegState.CREATING && !reported) {
                    pending.merge(leg.driveId(), LegLayout.allocatedBytes(leg.extentSizeBytes()), Limits::addSaturated);
                } else if (reported) { // a growing volume's leg its node has not grown yet
                    long growth = LegLayout.allocatedBytes(leg.extentSizeBytes())
                            - LegLayout.allocatedBytes(
                                    node.extents().get(leg.extentId()).sizeBytes());
                    if (growth > 0) {
                        pending.merge(leg.driveId(), growth, Limits::addSaturated);
                    }
                }
            }
        }
        for (Volume v : state.volumes().values()) {
            List<ErasureLayout.PStorePlacement> placed = new ArrayList<>();
            v.erasure().ifPresent(e -> {
                placed.addAll(e.pending());
                e.growing().ifPresent(g -> placed.addAll(g.added()));
            });
            v.erasure().flatMap(ErasureLayout::growing).ifPresent(g -> chargeGrowth(state, g, pending));
            for (ErasureLayout.PStorePlacement ps : placed) {
                for (ErasureLayout.BStorePlacement b : ps.members()) {
                    NodeRecord node = state.nodes().get(b.nodeId());
                    if (node == null || !node.extents().containsKey(b.extentId())) {
                        pending.merge(b.driveId(), LegLayout.allocatedBytes(ps.bstoreBytes()), Limits::addSaturated);
                    }
                }
            }
        }
        for (Volume v : state.volumes().values()) {
            for (ErasureLayout.Rebuild r :
                    v.erasure().map(ErasureLayout::rebuilds).orElse(List.of())) {
                NodeRecord node = state.nodes().get(r.replacement().nodeId());
                if (node == null || !node.extents().containsKey(r.replacement().extentId())) {
                    pending.merge(
                            r.replacement().driveId(), LegLayout.allocatedBytes(r.bstoreBytes()), Limits::addSaturated);
                }
            }
        }
        for (DkvLayout.Mirror m : state.dkv().mirrors()) {
            NodeRecord node = state.nodes().get(m.nodeId());
            if (node == null || !node.extents().containsKey(m.extentId())) {
                pending.merge(m.driveId(), state.dkv().kvVolumeBytes(), Limits::addSaturated);
            }
        }
        return pending;
    }

    /** The growth of the last PStore's members that their nodes have not made yet. */
    private static void chargeGrowth(ClusterState state, ErasureLayout.Growth g, Map<UUID, Long> pending) {
        for (ErasureLayout.BStorePlacement b : g.lastMembers()) {
            NodeRecord node = state.nodes().get(b.nodeId());
            ObservedExtent seen = node == null ? null : node.extents().get(b.extentId());
            if (seen != null) {
                long more = LegLayout.allocatedBytes(g.lastBStoreBytes()) - LegLayout.allocatedBytes(seen.sizeBytes());
                if (more > 0) {
                    pending.merge(b.driveId(), more, Limits::addSaturated);
                }
            }
        }
    }
}
