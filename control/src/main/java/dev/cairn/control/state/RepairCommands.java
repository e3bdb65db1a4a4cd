package dev.cairn.control.state;

import static dev.cairn.control.state.Outcome.Status.CONFLICT;
import static dev.cairn.control.state.Outcome.Status.INVALID;
import static dev.cairn.control.state.Outcome.Status.NOT_FOUND;
import static dev.cairn.control.state.Outcome.Status.UNPLACEABLE;

import dev.cairn.control.api.CrashPoints;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.Missing;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.NodeState;
import dev.cairn.control.model.Orphan;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import dev.cairn.control.model.VolumeState;
import dev.cairn.control.placement.PlacedLeg;
import dev.cairn.control.placement.Placement;
import dev.cairn.control.placement.PlacementException;
import dev.cairn.control.placement.PlacementRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Applies the commands that change a volume's legs after it was created: a repair or a drain
 * replacing a leg, an operator adding or removing one, draining a node. Every step is one
 * transition of the replicated state; nodes and agents converge on the result:
 *
 * <ul>
 *   <li>A new leg is placed like a volume's legs (one the volume's nodes do not hold, on a value of
 *       the class's label no staying leg has), CREATING until its node reports it, and {@code
 *       awaitingSync} until the agent serving the volume reports it in sync after its full sync.
 *   <li>A repair keeps the missing leg (kept: not erased, written by nobody) until its replacement
 *       is in sync, then removes it (an orphan its node erases); if the leg comes back current enough
 *       to catch up first, it is taken back and the replacement cancelled. A drain keeps the old
 *       leg, in sync, until its replacement is in sync, then removes it. Either way no volume ever
 *       has fewer copies of its data than before. A missing leg that never finished its first sync
 *       holds nothing the volume needs: its replacement takes its place at once.
 * </ul>
 */
final class RepairCommands {
    private RepairCommands() {}

    static Outcome replaceLeg(
            ClusterState s, LegIndex index, Supplier<Placement> placement, Command.ReplaceLeg c, long logIndex) {
        Optional<Outcome> none = noStayingLeg(s, c.volumeId(), c.extentId());
        if (none.isPresent()) {
            return none.get();
        }
        Volume v = s.volumes().get(c.volumeId());
        Leg old = v.leg(c.extentId()).orElseThrow();
        StorageClass sc = s.classes().get(v.className());
        Optional<String> stale = switch (c.why()) {
            case REPAIR -> repairDue(v, old, sc, c.atMillis());
            case DRAIN -> drainDue(s, old);
        };
        if (stale.isPresent()) {
            return Outcome.refused(CONFLICT, "leg " + old.index() + " of volume " + v.name() + ": " + stale.get());
        }
        if (index.desired(c.newExtentId()) || s.orphans().containsKey(c.newExtentId())) {
            return Outcome.refused(CONFLICT, "extent id " + c.newExtentId() + " is taken");
        }
        Set<UUID> busy = Repairs.busy(Repairs.syncsPerNode(s), c.maxSyncsPerNode());
        PlacementRequest r = Repairs.newLeg(s, sc, v, Optional.of(old.extentId()), busy);
        // A leg never in sync holds nothing the volume needs: its replacement takes its place. Any
        // other leg stays (kept, or in sync while drained) until its replacement is in sync.
        boolean dropOld = c.why() == Command.Replacement.REPAIR && old.awaitingSync();
        Leg fresh;
        try {
            fresh = place(
                    placement.get(), r, dropOld ? old.index() : Repairs.nextIndex(v), v, c.newExtentId(), c.secret());
        } catch (PlacementException e) {
            return Outcome.refused(UNPLACEABLE, "no place for a new leg of volume " + v.name() + ": " + e.getMessage());
        }
        Optional<Leg> replaced = dropOld
                ? Optional.empty()
                : Optional.of(
                        c.why() == Command.Replacement.REPAIR
                                ? old.keptFor(fresh.extentId())
                                : old.withReplacedBy(Optional.of(fresh.extentId())));
        List<Leg> legs = withReplacement(v, old, replaced, fresh);
        index.addLeg(v.id(), fresh, logIndex);
        if (dropOld) {
            index.removeLeg(old, logIndex);
            orphan(
                    s,
                    old,
                    c.atMillis(),
                    logIndex,
                    "leg " + old.index() + " of volume " + v.name() + " replaced before its first sync ended (missing: "
                            + old.missing().map(Missing::describe).orElse("?") + ")");
        }
        s.volumes().put(v.id(), v.withLegs(legs, v.state()).withRepairNote(Optional.empty()));
        v.attachment().ifPresent(a -> index.touchAgent(a.host(), logIndex));
        CrashPoints.reach("controller.leg-replaced");
        return Outcome.ok(fresh.extentId().toString());
    }

    /**
     * The volume's legs with {@code fresh} after {@code old}, which becomes {@code replaced} (or goes,
     * when empty); a leg that was on its way to replace {@code old} replaces {@code fresh} instead.
     */
    static List<Leg> withReplacement(Volume v, Leg old, Optional<Leg> replaced, Leg fresh) {
        List<Leg> legs = new ArrayList<>();
        for (Leg l : v.legs()) {
            if (l.extentId().equals(old.extentId())) {
                replaced.ifPresent(legs::add);
                legs.add(fresh);
            } else if (l.replacedBy().equals(Optional.of(old.extentId()))) {
                legs.add(l.withReplacedBy(Optional.of(fresh.extentId())));
            } else {
                legs.add(l);
            }
        }
        return legs;
    }

    /** Why volume {@code volumeId} has no staying leg {@code extentId}, if it has none. */
    static Optional<Outcome> noStayingLeg(ClusterState s, UUID volumeId, UUID extentId) {
        Volume v = s.volumes().get(volumeId);
        if (v == null) {
            return Optional.of(Outcome.refused(NOT_FOUND, "no volume " + volumeId));
        }
        Optional<Leg> found = v.leg(extentId);
        if (found.isEmpty() || !found.get().staying()) {
            return Optional.of(Outcome.refused(CONFLICT, "volume " + v.name() + " has no staying leg " + extentId));
        }
        return Optional.empty();
    }

    /** Why a missing leg may not be replaced yet, if it may not. */
    static Optional<String> repairDue(Volume v, Leg leg, StorageClass sc, long now) {
        if (leg.missing().isEmpty()) {
            return Optional.of("not missing");
        }
        int others = Repairs.inSyncOthers(v, leg);
        if (others == 0) {
            return Optional.of("no other leg is in sync to copy from");
        }
        long due = leg.missing().get().sinceMillis() + sc.repairTimeout().toMillis();
        if (now < due && others > 1) {
            return Optional.of("missing for less than the repair timeout (" + sc.repairTimeout() + ")");
        }
        return Optional.empty();
    }

    private static Optional<String> drainDue(ClusterState s, Leg leg) {
        NodeRecord n = s.nodes().get(leg.nodeId());
        if (n == null || !n.draining()) {
            return Optional.of("its node is not being drained");
        }
        return Optional.empty();
    }

    static Leg place(Placement p, PlacementRequest r, int legIndex, Volume v, UUID extentId, String secret)
            throws PlacementException {
        PlacedLeg pl = p.place(r).getFirst();
        p.commit(List.of(pl), r.legBytes());
        return Leg.placed(
                legIndex,
                pl.nodeId(),
                pl.driveId(),
                extentId,
                v.legs().getFirst().extentSizeBytes(),
                v.generation(),
                secret,
                true);
    }

    /** The leg becomes an orphan its node erases (now, or when it comes back). */
    static void orphan(ClusterState s, Leg leg, long atMillis, long logIndex, String reason) {
        s.orphans()
                .put(
                        leg.extentId(),
                        new Orphan(
                                leg.extentId(), leg.nodeId(), leg.extentSizeBytes(), atMillis, logIndex, reason, true));
    }

    /**
     * Why a command on the legs of volume {@code volume} is refused, if it is: no such volume, an
     * erasure-coded one ({@code ecWhy} says why that does not do), or one whose legs are not all
     * made yet.
     */
    static Optional<Outcome> refusedUnlessReplicated(ClusterState s, LegIndex index, String volume, String ecWhy) {
        Optional<Volume> found = VolumeCommands.find(s, index, volume);
        if (found.isEmpty()) {
            return Optional.of(Outcome.refused(NOT_FOUND, "no volume '" + volume + "'"));
        }
        Volume v = found.get();
        if (v.erasure().isPresent()) {
            return Optional.of(Outcome.refused(
                    INVALID,
                    "volume '" + v.name() + "' is erasure-coded ("
                            + v.erasure().get().code() + "): " + ecWhy));
        }
        if (v.state() != VolumeState.AVAILABLE) {
            return Optional.of(Outcome.refused(
                    CONFLICT, "volume '" + v.name() + "' is " + v.state() + ": not every leg exists yet"));
        }
        return Optional.empty();
    }

    static Outcome addReplica(
            ClusterState s, LegIndex index, Supplier<Placement> placement, Command.AddReplica c, long logIndex) {
        Optional<Outcome> refused = refusedUnlessReplicated(s, index, c.volume(), "it has BStores, not legs");
        if (refused.isPresent()) {
            return refused.get();
        }
        Volume v = VolumeCommands.find(s, index, c.volume()).orElseThrow();
        long staying = v.legs().stream().filter(Leg::staying).count();
        if (staying >= StorageClass.MAX_REPLICAS) {
            return Outcome.refused(
                    CONFLICT, "volume '" + v.name() + "' already has " + staying + " legs, the most a volume may have");
        }
        if (index.desired(c.extentId()) || s.orphans().containsKey(c.extentId())) {
            return Outcome.refused(CONFLICT, "extent id " + c.extentId() + " is taken");
        }
        StorageClass sc = s.classes().get(v.className());
        Set<UUID> excluded = new HashSet<>();
        if (c.node().isPresent()) {
            UUID node = c.node().get();
            NodeRecord n = s.nodes().get(node);
            if (n == null) {
                return Outcome.refused(NOT_FOUND, "no node " + node);
            }
            if (n.state() != NodeState.ONLINE || n.draining()) {
                return Outcome.refused(
                        CONFLICT, "node " + n.name() + " is " + (n.draining() ? "being drained" : "offline"));
            }
            Optional<String> why = ChosenNode.whyNot(s, sc, v, n);
            if (why.isPresent()) {
                return Outcome.refused(
                        UNPLACEABLE,
                        "cannot add a leg to volume '" + v.name() + "' on node " + n.name() + ": " + why.get());
            }
            s.nodes().keySet().stream().filter(id -> !id.equals(node)).forEach(excluded::add);
        }
        PlacementRequest r = Repairs.newLeg(s, sc, v, Optional.empty(), excluded);
        Leg fresh;
        try {
            fresh = place(placement.get(), r, Repairs.nextIndex(v), v, c.extentId(), c.secret());
        } catch (PlacementException e) {
            return Outcome.refused(
                    UNPLACEABLE,
                    "cannot add a leg to volume '" + v.name() + "'"
                            + c.node()
                                    .map(n -> " on node " + s.nodes().get(n).name())
                                    .orElse("") + ": "
                            + e.getMessage());
        }
        List<Leg> legs = new ArrayList<>(v.legs());
        legs.add(fresh);
        index.addLeg(v.id(), fresh, logIndex);
        s.volumes().put(v.id(), v.withLegs(legs, v.state()));
        v.attachment().ifPresent(a -> index.touchAgent(a.host(), logIndex));
        CrashPoints.reach("controller.replica-added");
        return Outcome.ok(fresh.extentId().toString());
    }

    static Outcome removeReplica(ClusterState s, LegIndex index, Command.RemoveReplica c, long logIndex) {
        Optional<Volume> found = VolumeCommands.find(s, index, c.volume());
        if (found.isEmpty()) {
            return Outcome.refused(NOT_FOUND, "no volume '" + c.volume() + "'");
        }
        Volume v = found.get();
        Optional<Leg> leg = v.legs().stream()
                .filter(l -> l.extentId().toString().equals(c.leg())
                        || Integer.toString(l.index()).equals(c.leg()))
                .findFirst();
        if (leg.isEmpty()) {
            return Outcome.refused(
                    NOT_FOUND,
                    "volume '" + v.name() + "' has no leg '" + c.leg() + "' (legs: "
                            + String.join(
                                    ", ",
                                    v.legs().stream()
                                            .map(l -> l.index() + "=" + l.extentId())
                                            .toList())
                            + ")");
        }
        Leg gone = leg.get();
        if (v.legs().size() == 1) {
            return Outcome.refused(CONFLICT, "leg " + gone.index() + " is the only leg of volume '" + v.name() + "'");
        }
        if (Repairs.inSyncOthers(v, gone) == 0) {
            return Outcome.refused(
                    CONFLICT,
                    "removing leg " + gone.index() + " would leave volume '" + v.name()
                            + "' with no in-sync leg (the others are missing or still syncing)");
        }
        StorageClass sc = s.classes().get(v.className());
        long inSyncAfter = v.legs().stream()
                .filter(Leg::staying)
                .filter(l -> !l.extentId().equals(gone.extentId()))
                .filter(l -> Repairs.inSync(v, l))
                .count();
        if (inSyncAfter < sc.replicas() && !c.force()) {
            return Outcome.refused(
                    CONFLICT,
                    "volume '" + v.name() + "' would keep " + inSyncAfter + " in-sync leg"
                            + (inSyncAfter == 1 ? "" : "s") + " where its class '" + sc.name() + "' asks for "
                            + sc.replicas() + "; force it to go below (the volume then shows degraded by intent)");
        }
        List<Leg> legs = new ArrayList<>();
        for (Leg l : v.legs()) {
            if (l.extentId().equals(gone.extentId())) {
                continue;
            }
            legs.add(l.replacedBy().equals(Optional.of(gone.extentId())) ? l.withReplacedBy(Optional.empty()) : l);
        }
        index.removeLeg(gone, logIndex);
        orphan(s, gone, c.atMillis(), logIndex, "leg " + gone.index() + " of volume " + v.name() + " removed");
        s.volumes().put(v.id(), v.withLegs(legs, v.state()));
        v.attachment().ifPresent(a -> index.touchAgent(a.host(), logIndex));
        CrashPoints.reach("controller.replica-removed");
        return Outcome.ok(gone.extentId().toString());
    }

    static Outcome drain(ClusterState s, Command.DrainNode c) {
        NodeRecord n = s.nodes().get(c.nodeId());
        if (n == null) {
            return Outcome.refused(NOT_FOUND, "no node " + c.nodeId());
        }
        if (!n.draining()) {
            s.nodes().put(n.id(), n.withDraining(Optional.of(c.atMillis())));
        }
        return Outcome.ok(n.id().toString());
    }

    static Outcome undrain(ClusterState s, Command.UndrainNode c) {
        NodeRecord n = s.nodes().get(c.nodeId());
        if (n == null) {
            return Outcome.refused(NOT_FOUND, "no node " + c.nodeId());
        }
        s.nodes().put(n.id(), n.withDraining(Optional.empty()));
        return Outcome.ok(n.id().toString());
    }

    static Outcome noteRepair(ClusterState s, Command.NoteRepair c) {
        Volume v = s.volumes().get(c.volumeId());
        if (v == null) {
            return Outcome.refused(NOT_FOUND, "no volume " + c.volumeId());
        }
        if (!v.repairNote().equals(c.note())) {
            s.volumes().put(v.id(), v.withRepairNote(c.note()));
        }
        return Outcome.ok(v.id().toString());
    }
}
