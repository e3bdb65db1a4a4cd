package dev.cairn.control.state;

import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.control.api.CrashPoints;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegSync;
import dev.cairn.control.model.Missing;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.NodeState;
import dev.cairn.control.model.Volume;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Keeps each leg's health in the state, from both sides: a leg is missing while its node is
 * offline or the agent serving its volume reports it failed; it keeps the time it first went
 * missing, which the repair timeout counts from. Also applies what a leg in sync means for the
 * legs' lives (reported by the agent serving the volume, or by the node that copied a leg of a
 * detached one): a new leg has had its first sync and the leg it replaces is then removed, or a
 * kept leg caught up and its replacement is cancelled.
 */
final class LegHealth {
    private LegHealth() {}

    /** Re-judges every leg of the volumes with a leg on {@code node} (it went offline or came back). */
    static void refreshOn(ClusterState s, LegIndex index, UUID node, long atMillis) {
        Set<UUID> volumes = new LinkedHashSet<>();
        index.desiredOn(node).forEach(e -> volumes.add(index.volumeOf(e)));
        volumes.forEach(v -> refresh(s, v, atMillis));
    }

    /** The legs the agent serving {@code v} last reported in sync. */
    private static Set<UUID> reportedInSync(Volume v) {
        Set<UUID> inSync = new HashSet<>();
        v.report()
                .ifPresent(r -> r.legs().forEach((extent, sync) -> {
                    if (sync.state() == LegSyncState.IN_SYNC) {
                        inSync.add(extent);
                    }
                }));
        return inSync;
    }

    /** Re-judges every leg of a volume. */
    static void refresh(ClusterState s, UUID volumeId, long atMillis) {
        Volume v = s.volumes().get(volumeId);
        if (v == null) {
            return;
        }
        List<Leg> legs = new ArrayList<>();
        boolean changed = false;
        for (Leg leg : v.legs()) {
            Optional<Missing> now = judge(s, v, leg, atMillis);
            changed |= !now.equals(leg.missing());
            legs.add(leg.withMissing(now));
        }
        if (changed) {
            s.volumes().put(v.id(), v.withLegs(legs, v.state()));
        }
    }

    private static Optional<Missing> judge(ClusterState s, Volume v, Leg leg, long atMillis) {
        NodeRecord n = s.nodes().get(leg.nodeId());
        boolean nodeOffline = n == null || n.state() != NodeState.ONLINE;
        Optional<String> agentError = v.report()
                .map(r -> r.legs().get(leg.extentId()))
                .filter(sync -> sync.state() == LegSyncState.FAILED)
                .map(sync -> sync.error().orElse("failed"));
        if (!nodeOffline && agentError.isEmpty()) {
            return Optional.empty();
        }
        long since = leg.missing().map(Missing::sinceMillis).orElse(atMillis);
        return Optional.of(new Missing(since, nodeOffline, agentError));
    }

    /**
     * After the volume's agent reported: a leg it reports failed or resyncing is behind (it missed
     * writes, and stays so after a detach until a copy catches it up); the legs it reports in sync
     * hold every acknowledged write (see {@link #settle}).
     */
    static void afterReport(ClusterState s, LegIndex index, UUID volumeId, long atMillis, long logIndex) {
        refresh(s, volumeId, atMillis);
        Volume v = s.volumes().get(volumeId);
        if (v == null || v.report().isEmpty()) {
            return;
        }
        Map<UUID, LegSync> seen = v.report().get().legs();
        List<Leg> legs = new ArrayList<>();
        for (Leg leg : v.legs()) {
            LegSync sync = seen.get(leg.extentId());
            boolean behind = leg.behind();
            if (sync != null && sync.state() == LegSyncState.IN_SYNC) {
                behind = false;
            } else if (sync != null && (sync.state() == LegSyncState.FAILED || sync.state() == LegSyncState.SYNCING)) {
                behind = true;
            }
            legs.add(leg.withBehind(behind));
        }
        if (!legs.equals(v.legs())) {
            v = v.withLegs(legs, v.state());
            s.volumes().put(v.id(), v);
        }
        settle(s, index, v, reportedInSync(v), atMillis, logIndex);
    }

    /**
     * Legs {@code inSync} are known to hold every acknowledged write now (the agent serving the
     * volume says so, or a node finished copying one of a detached volume). What that means for
     * the legs' lives, in this order:
     *
     * <ul>
     *   <li>a new leg among them has had its first sync;
     *   <li>a kept leg among them (replaced after it went missing) whose replacement has not had
     *       its first sync yet is taken back: it stays, and the replacement is cancelled (an orphan
     *       its node erases);
     *   <li>a leg whose replacement has had its first sync (and is not missing) is removed: an
     *       orphan its node erases.
     * </ul>
     */
    static void settle(ClusterState s, LegIndex index, Volume v, Set<UUID> inSync, long atMillis, long logIndex) {
        List<Leg> legs = new ArrayList<>();
        boolean changed = false;
        for (Leg leg : v.legs()) {
            if (leg.awaitingSync() && leg.missing().isEmpty() && inSync.contains(leg.extentId())) {
                legs.add(leg.synced());
                changed = true;
            } else {
                legs.add(leg);
            }
        }
        Set<UUID> cancelled = new HashSet<>();
        for (int i = 0; i < legs.size(); i++) {
            Leg leg = legs.get(i);
            if (leg.kept()
                    && leg.missing().isEmpty()
                    && inSync.contains(leg.extentId())
                    && !replacementSynced(legs, leg)) {
                cancelled.addAll(replacementsOf(legs, leg.replacedBy().orElseThrow()));
                legs.set(i, leg.withReplacedBy(Optional.empty()).withBehind(false));
                changed = true;
            } else if (leg.behind() && leg.missing().isEmpty() && inSync.contains(leg.extentId())) {
                legs.set(i, leg.withBehind(false));
                changed = true;
            }
        }
        List<Leg> kept = new ArrayList<>();
        List<Leg> retired = new ArrayList<>();
        for (Leg leg : legs) {
            if (cancelled.contains(leg.extentId())) {
                retired.add(leg);
            } else if (replacementSynced(legs, leg)) {
                retired.add(leg);
            } else {
                kept.add(leg);
            }
        }
        if (!changed && retired.isEmpty()) {
            return;
        }
        legs.forEach(l -> index.touch(l.nodeId(), logIndex)); // the copies they make change
        for (Leg old : retired) {
            if (!cancelled.contains(old.extentId())) {
                old.replacedBy().ifPresent(id -> s.setRebalance(s.rebalance().finished(id))); // a move's end
            }
            index.removeLeg(old, logIndex);
            RepairCommands.orphan(s, old, atMillis, logIndex, retiredBecause(v, old, cancelled));
        }
        s.volumes().put(v.id(), v.withLegs(kept, v.state()));
        if (!retired.isEmpty()) {
            v.attachment().ifPresent(a -> index.touchAgent(a.host(), logIndex));
            CrashPoints.reach("controller.leg-retired");
        }
    }

    /** Whether the leg replacing {@code leg} has had its first sync (and is not missing). */
    private static boolean replacementSynced(List<Leg> legs, Leg leg) {
        return leg.replacedBy()
                .flatMap(
                        id -> legs.stream().filter(l -> l.extentId().equals(id)).findFirst())
                .filter(r -> !r.awaitingSync() && r.missing().isEmpty())
                .isPresent();
    }

    /** {@code replacement} and the legs still filling that were on their way to becoming it. */
    private static Set<UUID> replacementsOf(List<Leg> legs, UUID replacement) {
        Set<UUID> out = new HashSet<>();
        out.add(replacement);
        for (Leg l : legs) {
            if (l.awaitingSync() && l.replacedBy().equals(Optional.of(replacement))) {
                out.add(l.extentId());
            }
        }
        return out;
    }

    private static String retiredBecause(Volume v, Leg old, Set<UUID> cancelled) {
        if (cancelled.contains(old.extentId())) {
            return "leg " + old.index() + " of volume " + v.name()
                    + " cancelled: the leg it was to replace came back and caught up";
        }
        return "leg " + old.index() + " of volume " + v.name() + " " + (old.kept() ? "replaced" : "moved")
                + " (its replacement " + old.replacedBy().orElseThrow() + " is in sync)";
    }
}
