package dev.cairn.control.state;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import dev.cairn.control.placement.PlacedLeg;
import dev.cairn.control.placement.Placement;
import dev.cairn.control.placement.PlacementException;
import dev.cairn.control.placement.PlacementRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * One pass of the leader's repair loop, as a pure function of (state, time): which legs to replace
 * now, and why the repairs that cannot proceed wait. Per volume, at most one replacement per pass:
 *
 * <ul>
 *   <li>a missing leg past its class's repair timeout, or at once when the volume has one in-sync
 *       leg left, is replaced (REPAIR); never while no other leg is in sync (nothing to copy from);
 *   <li>a leg on a draining node gets a replacement (DRAIN) and stays until it is in sync;
 *   <li>a new leg goes only to a node running fewer than {@code maxSyncsPerNode} first syncs, so
 *       the loss of a node does not become a rebuild storm.
 * </ul>
 *
 * What it proposes is checked again when applied: a proposal the state outran is refused, harmlessly.
 */
public final class RepairPlanner {
    /** How repairs are throttled and how much of every drive placement keeps free. */
    public record Settings(int maxSyncsPerNode, double spareFraction) {
        public Settings {
            if (maxSyncsPerNode < 1) {
                throw new IllegalArgumentException("syncs per node must be at least 1, got " + maxSyncsPerNode);
            }
        }
    }

    private RepairPlanner() {}

    public static List<Command> plan(
            ClusterState s, long now, Settings settings, Supplier<UUID> ids, Supplier<String> secrets) {
        Placement placement = Placement.of(s, settings.spareFraction());
        Map<UUID, Integer> syncs = Repairs.syncsPerNode(s);
        List<Command> out = new ArrayList<>();
        for (Volume v : s.volumes().values()) {
            StorageClass sc = s.classes().get(v.className());
            if (sc == null || v.legs().isEmpty()) {
                continue; // no state the commands make; a damaged snapshot's volume is left alone, not tripped over
            }
            Optional<String> note = Optional.empty();
            for (Leg leg : v.legs()) {
                Optional<Command.Replacement> why = reasonToReplace(s, v, sc, leg, now);
                if (why.isEmpty()) {
                    if (leg.staying() && leg.missing().isPresent() && Repairs.inSyncOthers(v, leg) == 0) {
                        note = Optional.of("no in-sync leg left to copy leg " + leg.index()
                                + " from: waiting for a leg to return");
                    }
                    continue;
                }
                Set<UUID> busy = Repairs.busy(syncs, settings.maxSyncsPerNode());
                PlacementRequest r = Repairs.newLeg(s, sc, v, Optional.of(leg.extentId()), busy);
                try {
                    PlacedLeg pl = placement.place(r).getFirst();
                    placement.commit(List.of(pl), r.legBytes());
                    syncs.merge(pl.nodeId(), 1, Integer::sum);
                    out.add(new Command.ReplaceLeg(
                            v.id(),
                            leg.extentId(),
                            why.get(),
                            ids.get(),
                            secrets.get(),
                            settings.maxSyncsPerNode(),
                            settings.spareFraction(),
                            now));
                    note = Optional.empty();
                    break;
                } catch (PlacementException e) {
                    note = Optional.of(whyNot(s, sc, v, leg, placement, e, settings));
                }
            }
            boolean replacing = !out.isEmpty()
                    && out.getLast() instanceof Command.ReplaceLeg rl
                    && rl.volumeId().equals(v.id());
            if (!replacing && !v.repairNote().equals(note)) {
                out.add(new Command.NoteRepair(v.id(), note));
            }
        }
        return out;
    }

    private static Optional<Command.Replacement> reasonToReplace(
            ClusterState s, Volume v, StorageClass sc, Leg leg, long now) {
        if (!leg.staying()) {
            return Optional.empty();
        }
        if (leg.missing().isPresent()) {
            return RepairCommands.repairDue(v, leg, sc, now).isEmpty()
                    ? Optional.of(Command.Replacement.REPAIR)
                    : Optional.empty();
        }
        NodeRecord n = s.nodes().get(leg.nodeId());
        return n != null && n.draining() ? Optional.of(Command.Replacement.DRAIN) : Optional.empty();
    }

    private static String whyNot(
            ClusterState s,
            StorageClass sc,
            Volume v,
            Leg leg,
            Placement placement,
            PlacementException e,
            Settings settings) {
        PlacementRequest unthrottled = Repairs.newLeg(s, sc, v, Optional.of(leg.extentId()), Set.of());
        try {
            placement.place(unthrottled);
            return "every node that could take a new leg for leg " + leg.index() + " already runs "
                    + settings.maxSyncsPerNode() + " sync(s); it starts when one ends";
        } catch (PlacementException stillNot) {
            return "no place for a new leg for leg " + leg.index() + ": " + e.getMessage();
        }
    }
}
