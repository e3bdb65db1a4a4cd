package dev.cairn.control.rest;

import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.control.api.Sizes;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.LegCopyProgress;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.NodeState;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import dev.cairn.control.model.VolumeState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/**
 * The problems of an erasure-coded volume, from the state alone (its layouts are in the DKV): the
 * BStores being rebuilt and how far, the nodes holding its BStores that are offline, and the BStores
 * its agent reports not in sync.
 */
final class ErasureHealth {
    private ErasureHealth() {}

    static List<String> problems(ClusterState s, Volume v, ErasureLayout e, StorageClass sc) {
        List<String> out = new ArrayList<>();
        if (v.state() != VolumeState.AVAILABLE) {
            return out;
        }
        Set<UUID> rebuilt = new HashSet<>();
        for (ErasureLayout.Rebuild r : e.rebuilds()) {
            rebuilt.add(r.old().nodeId());
            NodeRecord n = s.nodes().get(r.replacement().nodeId());
            String progress = n == null
                    ? ""
                    : n.copies().stream()
                            .filter(c -> c.extentId().equals(r.replacement().extentId()))
                            .findFirst()
                            .map(ErasureHealth::progress)
                            .orElse(": its node is making the new BStore");
            out.add("PStore " + r.pstore() + " BStore " + r.member() + " lost (on "
                    + ViewMapper.nodeName(s, r.old().nodeId()) + "), being rebuilt on "
                    + ViewMapper.nodeName(s, r.replacement().nodeId()) + progress);
        }
        for (UUID node : e.nodes()) {
            NodeRecord n = s.nodes().get(node);
            if (n != null && n.state() != NodeState.ONLINE && !rebuilt.contains(node)) {
                out.add("node " + n.name() + " (holding its BStores) is offline since "
                        + ViewMapper.time(n.lastHeartbeatMillis())
                        + (sc == null
                                ? ""
                                : "; its BStores are rebuilt elsewhere after the repair timeout (" + sc.repairTimeout()
                                        + ")"));
            }
        }
        v.report()
                .ifPresent(r -> r.legs().forEach((extent, sync) -> {
                    if (sync.state() != LegSyncState.IN_SYNC) {
                        out.add("BStore " + extent + ": "
                                + (sync.state() == LegSyncState.SYNCING
                                        ? "being caught up by the agent"
                                        : sync.state().name().toLowerCase(Locale.ROOT)
                                                + sync.error()
                                                        .map(x -> " (" + x + ")")
                                                        .orElse("")));
                    }
                }));
        return out;
    }

    private static String progress(LegCopyProgress c) {
        return switch (c.state()) {
            case COPYING -> ": " + Sizes.human(c.doneBytes()) + " of " + Sizes.human(c.totalBytes());
            case DONE -> ": filled, joining its PStore";
            case WAITING -> ": waiting (" + c.message() + ")";
            case FAILED -> ": failed, trying again (" + c.message() + ")";
        };
    }
}
