package dev.cairn.control.rest;

import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.control.api.Sizes;
import dev.cairn.control.api.Views;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegState;
import dev.cairn.control.model.LegSync;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.NodeState;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import dev.cairn.control.state.NodeRemoval;
import dev.cairn.control.state.ResizeCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * How healthy a volume is and why, and how far a node's drain has got: what {@code volume show},
 * {@code node show} and {@code cluster status} print. Pure functions of the state.
 */
final class HealthViews {
    private HealthViews() {}

    /** A volume's health and its problems, one line each. */
    record Health(Views.VolumeHealth health, List<String> problems) {}

    static Health of(ClusterState s, Volume v) {
        StorageClass sc = s.classes().get(v.className());
        List<String> problems = new ArrayList<>();
        for (Leg l : v.legs()) {
            legProblem(s, v, sc, l)
                    .ifPresent(p -> problems.add("leg " + l.index() + " (" + where(s, l, sc) + "): " + p));
        }
        v.erasure().ifPresent(e -> problems.addAll(ErasureHealth.problems(s, v, e, sc)));
        v.repairNote().ifPresent(n -> problems.add("repair waiting: " + n));
        long staying = v.legs().stream().filter(Leg::staying).count();
        boolean byIntent = sc != null && staying < sc.replicas();
        if (problems.isEmpty()) {
            if (byIntent) {
                return new Health(
                        Views.VolumeHealth.DEGRADED_BY_INTENT,
                        List.of(staying + " of the " + sc.replicas() + " legs class '" + sc.name()
                                + "' asks for: an operator removed a leg (add-replica restores it)"));
            }
            return new Health(Views.VolumeHealth.HEALTHY, List.of());
        }
        if (byIntent) {
            problems.add(staying + " of " + sc.replicas() + " legs by intent");
        }
        return new Health(Views.VolumeHealth.DEGRADED, List.copyOf(problems));
    }

    /** Where a growing volume's growth stands: the legs whose node has not grown the extent yet. */
    static Optional<Views.GrowthView> growth(ClusterState s, Volume v) {
        OptionalLong to = ResizeCommands.growingTo(s, v);
        if (to.isEmpty()) {
            return Optional.empty();
        }
        List<String> waiting = new ArrayList<>();
        for (Leg l : v.legs()) {
            waiting(s, "leg " + l.index(), l.nodeId(), l.extentId(), l.extentSizeBytes())
                    .ifPresent(waiting::add);
        }
        v.erasure().flatMap(ErasureLayout::growing).ifPresent(g -> {
            int last = v.erasure().get().pstores() - 1;
            for (int i = 0; i < g.lastMembers().size(); i++) {
                ErasureLayout.BStorePlacement b = g.lastMembers().get(i);
                waiting(s, "BStore " + i + " of PStore " + last, b.nodeId(), b.extentId(), g.lastBStoreBytes())
                        .ifPresent(waiting::add);
            }
            for (int p = 0; p < g.added().size(); p++) {
                ErasureLayout.PStorePlacement ps = g.added().get(p);
                for (int i = 0; i < ps.members().size(); i++) {
                    ErasureLayout.BStorePlacement b = ps.members().get(i);
                    String what = "BStore " + i + " of new PStore " + (last + 1 + p);
                    waiting(s, what, b.nodeId(), b.extentId(), ps.bstoreBytes()).ifPresent(waiting::add);
                }
            }
        });
        return Optional.of(new Views.GrowthView(to.getAsLong(), waiting));
    }

    /** What {@code what}'s extent on {@code node} is while it is not yet {@code wanted} bytes. */
    private static Optional<String> waiting(ClusterState s, String what, UUID node, UUID extent, long wanted) {
        NodeRecord n = s.nodes().get(node);
        ObservedExtent seen = n == null ? null : n.extents().get(extent);
        if (seen != null && seen.sizeBytes() >= wanted) {
            return Optional.empty();
        }
        return Optional.of(what + " on node " + (n == null ? node : n.name())
                + (n == null || n.state() != NodeState.ONLINE ? " (" + (n == null ? "gone" : n.state()) + ")" : "")
                + ": its extent is " + (seen == null ? "not reported" : Sizes.human(seen.sizeBytes())) + ", "
                + Sizes.human(wanted) + " wanted");
    }

    private static Optional<String> legProblem(ClusterState s, Volume v, StorageClass sc, Leg l) {
        Optional<String> copy = v.attachment().isEmpty() ? nodeCopy(s, l) : Optional.empty();
        if (l.kept()) {
            String next = legName(v, l.replacedBy().orElseThrow());
            return Optional.of((l.missing().isPresent()
                            ? "missing since "
                                    + ViewMapper.time(l.missing().get().sinceMillis()) + ": "
                                    + l.missing().get().describe() + "; "
                            : "back; ")
                    + "replaced by " + next + ", kept (untouched) until " + next
                    + " is in sync, or taken back if it catches up first"
                    + copy.map(c -> " (" + c + ")").orElse(""));
        }
        if (l.missing().isPresent()) {
            String p = "missing since " + ViewMapper.time(l.missing().get().sinceMillis()) + ": "
                    + l.missing().get().describe();
            if (sc != null && l.staying()) {
                p += "; replaced after the repair timeout ("
                        + ViewMapper.time(l.missing().get().sinceMillis()
                                + sc.repairTimeout().toMillis())
                        + ") unless it returns";
            }
            return Optional.of(p);
        }
        if (l.replacedBy().isPresent()) {
            return Optional.of(
                    "moving off a draining node to " + legName(v, l.replacedBy().get()));
        }
        Optional<LegSync> seen = v.report().map(r -> r.legs().get(l.extentId()));
        if (l.awaitingSync()) {
            if (l.state() == LegState.CREATING) {
                return Optional.of("new leg: its node is creating the extent");
            }
            if (v.attachment().isEmpty()) {
                return Optional.of("new leg: " + copy.orElse("its node copies it from an in-sync leg"));
            }
            return Optional.of("new leg: full sync "
                    + seen.map(x -> x.state().name().toLowerCase(Locale.ROOT)).orElse("starting"));
        }
        if (l.behind() && seen.isEmpty()) {
            return Optional.of("missed writes while it was away: "
                    + copy.orElse("it catches up from an in-sync leg (its node copies the regions while the volume"
                            + " is detached, the agent once it is attached)"));
        }
        if (seen.isPresent() && seen.get().state() != LegSyncState.IN_SYNC) {
            return Optional.of(
                    switch (seen.get().state()) {
                        case SYNCING -> "back, resyncing the regions written while it was away";
                        case CONNECTING -> "the agent is connecting";
                        default -> seen.get().state().name();
                    });
        }
        return Optional.empty();
    }

    /** How the copy the leg's node makes of it is going, as the node last reported it. */
    private static Optional<String> nodeCopy(ClusterState s, Leg l) {
        NodeRecord n = s.nodes().get(l.nodeId());
        if (n == null) {
            return Optional.empty();
        }
        return n.copies().stream()
                .filter(c -> c.extentId().equals(l.extentId()) && c.generation() == l.generation())
                .findFirst()
                .map(c -> switch (c.state()) {
                    case COPYING ->
                        "its node copies it: " + Sizes.human(c.doneBytes()) + " of " + Sizes.human(c.totalBytes())
                                + " at " + Sizes.human(c.bytesPerSecond()) + "/s";
                    case DONE -> "its node copied it";
                    case WAITING -> "its node waits: " + c.message();
                    case FAILED -> "its node's copy failed, retrying: " + c.message();
                });
    }

    /** "leg 3", or the extent id of a leg the volume no longer lists. */
    private static String legName(Volume v, UUID extentId) {
        return v.leg(extentId).map(n -> "leg " + n.index()).orElse("leg " + extentId);
    }

    private static String where(ClusterState s, Leg l, StorageClass sc) {
        NodeRecord n = s.nodes().get(l.nodeId());
        String label = sc == null || n == null ? null : n.label(sc.spreadAcross());
        return "node " + (n == null ? l.nodeId().toString() : n.name())
                + (label == null ? "" : ", " + sc.spreadAcross() + "=" + label);
    }

    /** A node's drain: legs still on it, those with a replacement on its way, what holds others. */
    static Optional<Views.DrainView> drain(ClusterState s, NodeRecord n) {
        if (n.drainingSinceMillis().isEmpty()) {
            return Optional.empty();
        }
        int left = 0;
        int moving = 0;
        List<String> waiting = new ArrayList<>();
        for (Volume v : s.volumes().values()) {
            for (Leg l : v.legs()) {
                if (!l.nodeId().equals(n.id())) {
                    continue;
                }
                left++;
                if (l.replacedBy().isPresent()) {
                    moving++;
                    UUID next = l.replacedBy().get();
                    if (v.attachment().isEmpty()) {
                        waiting.add("volume " + v.name() + ": its new leg " + next
                                + " is copied by its node (the volume is detached)");
                    }
                } else {
                    v.repairNote().ifPresent(note -> waiting.add("volume " + v.name() + ": " + note));
                }
            }
        }
        NodeRemoval.holdings(s, n.id()).stream()
                .filter(h -> !h.startsWith("legs of"))
                .forEach(h -> waiting.add("the node still holds " + h));
        int kv = 0;
        for (DkvLayout.Shard shard : s.dkv().shards()) {
            kv += (int) Stream.concat(shard.mirrors().stream(), shard.retired().stream())
                    .filter(m -> m.nodeId().equals(n.id()))
                    .count();
        }
        int erasure = 0;
        int bstoresMoving = 0;
        for (Volume v : s.volumes().values()) {
            if (v.erasure().isPresent()
                    && NodeRemoval.holdsBStoresOf(v.erasure().get(), n.id())) {
                erasure++;
                bstoresMoving += (int) v.erasure().get().rebuilds().stream()
                        .filter(r -> r.move() && r.old().nodeId().equals(n.id()))
                        .count();
            }
        }
        bstoresMoving += (int) s.orphans().values().stream() // moved, still used by the agent
                .filter(o -> o.nodeId().equals(n.id()) && o.heldBy().isPresent())
                .count();
        return Optional.of(new Views.DrainView(
                ViewMapper.time(n.drainingSinceMillis().get()),
                left,
                moving,
                kv,
                List.copyOf(waiting),
                erasure,
                bstoresMoving));
    }
}
