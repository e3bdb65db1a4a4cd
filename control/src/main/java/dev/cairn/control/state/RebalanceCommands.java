package dev.cairn.control.state;

import static dev.cairn.control.state.Outcome.Status.CONFLICT;
import static dev.cairn.control.state.Outcome.Status.INVALID;
import static dev.cairn.control.state.Outcome.Status.NOT_FOUND;
import static dev.cairn.control.state.Outcome.Status.UNPLACEABLE;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegLayout;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.RebalanceState;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import dev.cairn.control.model.VolumeState;
import dev.cairn.control.placement.Placement;
import dev.cairn.control.placement.PlacementException;
import dev.cairn.control.placement.PlacementRequest;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Applies the rebalance's commands (DESIGN.md section 6): the operator's pause, resume and spread,
 * and the start of a leg's move. A move is a drain of one leg: the new leg is filled while the old
 * one stays in sync, and the old one is removed (an orphan its node erases) only once the new one is
 * in sync ({@link LegHealth}), so a volume never has fewer in-sync legs than before. Every check is
 * made again here, on the state the command meets: a move the state outran is refused, harmlessly.
 */
final class RebalanceCommands {
    private RebalanceCommands() {}

    static Outcome set(ClusterState s, Command.SetRebalance c) {
        RebalanceState r = s.rebalance();
        if (c.spread().isPresent()) {
            double spread = c.spread().get();
            if (!(spread >= RebalanceState.MIN_SPREAD && spread <= RebalanceState.MAX_SPREAD)) {
                return Outcome.refused(
                        INVALID,
                        String.format(
                                Locale.ROOT,
                                "the rebalance spread must be from %.1f to %.0f points, got %s",
                                RebalanceState.MIN_SPREAD * 100,
                                RebalanceState.MAX_SPREAD * 100,
                                spread * 100));
            }
            r = r.withSpread(spread);
        }
        s.setRebalance(c.paused().map(r::withPaused).orElse(r));
        return Outcome.ok("rebalance");
    }

    static Outcome moveLeg(
            ClusterState s, LegIndex index, Supplier<Placement> placement, Command.MoveLeg c, long logIndex) {
        if (s.rebalance().paused()) {
            return Outcome.refused(CONFLICT, "the rebalance is paused");
        }
        Optional<Outcome> none = RepairCommands.noStayingLeg(s, c.volumeId(), c.extentId());
        if (none.isPresent()) {
            return none.get();
        }
        Volume v = s.volumes().get(c.volumeId());
        Leg old = v.leg(c.extentId()).orElseThrow();
        if (v.state() != VolumeState.AVAILABLE) {
            return Outcome.refused(CONFLICT, "volume " + v.name() + " is " + v.state() + ", not AVAILABLE");
        }
        if (!Repairs.inSync(v, old)) {
            return Outcome.refused(CONFLICT, "leg " + old.index() + " of volume " + v.name() + " is not in sync");
        }
        if (v.legs().stream().anyMatch(Leg::awaitingSync)) {
            return Outcome.refused(CONFLICT, "volume " + v.name() + " has a leg being filled already");
        }
        if (index.desired(c.newExtentId()) || s.orphans().containsKey(c.newExtentId())) {
            return Outcome.refused(CONFLICT, "extent id " + c.newExtentId() + " is taken");
        }
        StorageClass sc = s.classes().get(v.className());
        if (sc == null) {
            return Outcome.refused(CONFLICT, "volume " + v.name() + " has no storage class");
        }
        Set<UUID> otherDrives = new HashSet<>();
        boolean known = false;
        for (NodeRecord n : s.nodes().values()) {
            for (DriveState d : n.drives()) {
                known |= d.id().equals(c.toDrive());
                otherDrives.add(d.id());
            }
        }
        otherDrives.remove(c.toDrive());
        if (!known) {
            return Outcome.refused(NOT_FOUND, "no node reports drive " + c.toDrive());
        }
        Set<UUID> busy = Repairs.busy(Repairs.syncsPerNode(s), c.maxSyncsPerNode());
        PlacementRequest any = Repairs.newLeg(s, sc, v, Optional.of(old.extentId()), busy);
        Set<UUID> excluded = new HashSet<>(any.excludedDrives());
        excluded.addAll(otherDrives);
        PlacementRequest onTarget = new PlacementRequest(
                1, any.legBytes(), any.spreadAcross(), any.prefer(), any.excludedNodes(), any.usedDomains(), excluded);
        Leg fresh;
        try {
            fresh = RepairCommands.place(
                    placement.get(), onTarget, Repairs.nextIndex(v), v, c.newExtentId(), c.secret());
        } catch (PlacementException e) {
            return Outcome.refused(
                    UNPLACEABLE,
                    "drive " + c.toDrive() + " cannot take leg " + old.index() + " of volume " + v.name() + ": "
                            + e.getMessage());
        }
        s.volumes()
                .put(
                        v.id(),
                        v.withLegs(
                                RepairCommands.withReplacement(
                                        v, old, Optional.of(old.withReplacedBy(Optional.of(fresh.extentId()))), fresh),
                                v.state()));
        index.addLeg(v.id(), fresh, logIndex);
        v.attachment().ifPresent(a -> index.touchAgent(a.host(), logIndex));
        Set<UUID> filling = new HashSet<>();
        s.volumes().values().forEach(x -> {
            x.legs().stream().filter(Leg::awaitingSync).forEach(l -> filling.add(l.extentId()));
            x.erasure()
                    .ifPresent(e -> e.rebuilds()
                            .forEach(r -> filling.add(r.replacement().extentId())));
        });
        s.setRebalance(s.rebalance()
                .keepingOnly(filling)
                .started(fresh.extentId(), LegLayout.allocatedBytes(fresh.extentSizeBytes())));
        return Outcome.ok(fresh.extentId().toString());
    }
}
