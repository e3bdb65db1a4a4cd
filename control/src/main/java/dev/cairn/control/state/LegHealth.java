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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Keeps each leg's health in the state, from both sides: a leg is missing while its node is
 * offline or the agent serving its volume reports it failed; it keeps the time it first went
 * missing, which the repair timeout counts from. Also applies what an agent's report means for
 * the legs' lives: a new leg reported in sync has had its first sync, and a leg it replaces is
 * then removed.
 */
final class LegHealth {
    private LegHealth() {}

    /** Re-judges every leg of the volumes with a leg on {@code node} (it went offline or came back). */
    static void refreshOn(ClusterState s, LegIndex index, UUID node, long atMillis) {
        Set<UUID> volumes = new LinkedHashSet<>();
        index.desiredOn(node).forEach(e -> volumes.add(index.volumeOf(e)));
        volumes.forEach(v -> refresh(s, v, atMillis));
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
     * After the volume's agent reported: every new leg it reports in sync has had its first sync;
     * every leg whose replacement has had it is removed (an orphan its node erases).
     */
    static void afterReport(ClusterState s, LegIndex index, UUID volumeId, long atMillis, long logIndex) {
        refresh(s, volumeId, atMillis);
        Volume v = s.volumes().get(volumeId);
        if (v == null || v.report().isEmpty()) {
            return;
        }
        List<Leg> legs = new ArrayList<>();
        boolean changed = false;
        for (Leg leg : v.legs()) {
            LegSync seen = v.report().get().legs().get(leg.extentId());
            if (leg.awaitingSync() && seen != null && seen.state() == LegSyncState.IN_SYNC) {
                legs.add(leg.synced());
                changed = true;
            } else {
                legs.add(leg);
            }
        }
        List<Leg> kept = new ArrayList<>();
        List<Leg> retired = new ArrayList<>();
        for (Leg leg : legs) {
            boolean replacementSynced = leg.replacedBy()
                    .flatMap(id ->
                            legs.stream().filter(l -> l.extentId().equals(id)).findFirst())
                    .filter(r -> !r.awaitingSync() && r.missing().isEmpty())
                    .isPresent();
            (replacementSynced ? retired : kept).add(leg);
        }
        if (!changed && retired.isEmpty()) {
            return;
        }
        for (Leg old : retired) {
            index.removeLeg(old, logIndex);
            RepairCommands.orphan(
                    s,
                    old,
                    atMillis,
                    logIndex,
                    "leg " + old.index() + " of volume " + v.name() + " moved (its replacement "
                            + old.replacedBy().orElseThrow() + " is in sync)");
        }
        s.volumes().put(v.id(), v.withLegs(kept, v.state()));
        if (!retired.isEmpty()) {
            v.attachment().ifPresent(a -> index.touchAgent(a.host(), logIndex));
            CrashPoints.reach("controller.leg-retired");
        }
    }
}
