package dev.cairn.control.state;

import static dev.cairn.control.state.Outcome.Status.CONFLICT;
import static dev.cairn.control.state.Outcome.Status.INVALID;
import static dev.cairn.control.state.Outcome.Status.NOT_FOUND;
import static dev.cairn.control.state.Outcome.Status.UNPLACEABLE;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.model.ErasureCode;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.LegLayout;
import dev.cairn.control.model.NodeRecord;
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
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Applies the commands about erasure-coded volumes: creation (every PStore's {@code k + m} BStores
 * placed by the placement pipeline, each PStore on distinct values of the class's spread label,
 * greedy by free space), the end of creation (the layouts are in the DKV), and deletion.
 */
final class ErasureCommands {
    private ErasureCommands() {}

    static Outcome create(
            ClusterState s,
            LegIndex index,
            Supplier<Placement> placement,
            Command.CreateVolume c,
            StorageClass sc,
            long logIndex) {
        ErasureCode code = sc.erasure().orElseThrow();
        ErasureLayout layout = ErasureLayout.forVolume(code, c.sizeBytes(), sc.regionSizeBytes(), c.firstKey());
        Optional<String> keys = keysProblem(s, c.firstKey(), layout.pstores());
        if (keys.isPresent()) {
            return Outcome.refused(CONFLICT, "volume '" + c.name() + "': " + keys.get());
        }
        int bstores = layout.pstores() * code.width();
        if (c.extentIds().size() != bstores || c.secrets().size() != bstores) {
            return Outcome.refused(
                    INVALID,
                    "volume '" + c.name() + "' has " + layout.pstores() + " PStores of " + code.width()
                            + " BStores but the command carries "
                            + c.extentIds().size() + " extent ids");
        }
        for (UUID extent : c.extentIds()) {
            if (index.desired(extent) || s.orphans().containsKey(extent)) {
                return Outcome.refused(CONFLICT, "extent id " + extent + " is taken");
            }
        }
        List<ErasureLayout.PStorePlacement> pstores = new ArrayList<>();
        Set<UUID> nodes = new TreeSet<>();
        List<Long> sizes = new ArrayList<>();
        for (int ps = 0; ps < layout.pstores(); ps++) {
            sizes.add(layout.bstoreBytes(ps, c.sizeBytes()));
        }
        Optional<String> unplaceable = place(
                placement.get(),
                sc,
                c.volumeId(),
                0,
                sizes,
                new NewBStores(c.extentIds(), c.secrets(), c.firstKey()),
                pstores,
                nodes);
        if (unplaceable.isPresent()) {
            return Outcome.refused(
                    UNPLACEABLE,
                    "cannot place volume '" + c.name() + "' (class " + sc.name() + ", " + code + " across "
                            + sc.spreadAcross() + "): " + unplaceable.get());
        }
        ErasureLayout placedLayout =
                layout.withGeneration(VolumeCommands.FIRST_GENERATION).withPending(pstores, nodes);
        Volume v = new Volume(
                        c.volumeId(), c.name(), c.sizeBytes(), sc.name(), VolumeState.CREATING, c.atMillis(), List.of())
                .withErasure(placedLayout, VolumeState.CREATING);
        s.volumes().put(v.id(), v);
        index.add(v, logIndex);
        return Outcome.ok(v.id().toString());
    }

    /**
     * Places PStores {@code first} on of volume {@code volumeId}, one for each of {@code
     * bstoreBytes} (its BStores' extent size), greedy by free space, each on distinct drives, nodes
     * and values of the class's spread label, with {@code ids}. Adds them to {@code out}
     * and their nodes to {@code nodes}, charging {@code p}; or says which PStore could not be placed,
     * and why.
     */
    static Optional<String> place(
            Placement p,
            StorageClass sc,
            UUID volumeId,
            int first,
            List<Long> bstoreBytes,
            NewBStores ids,
            List<ErasureLayout.PStorePlacement> out,
            Set<UUID> nodes) {
        ErasureCode code = sc.erasure().orElseThrow();
        for (int i = 0; i < bstoreBytes.size(); i++) {
            int ps = first + i;
            long allocated = LegLayout.allocatedBytes(bstoreBytes.get(i));
            List<PlacedLeg> placed;
            try {
                // Each PStore its own order among equally free drives: a drive's PStores share it with
                // many others, and its rebuilds read from all of them.
                placed = p.place(PlacementRequest.of(code.width(), allocated, sc.spreadAcross(), sc.prefer())
                        .withTieBreak(tieBreak(volumeId, ps, 0)));
            } catch (PlacementException e) {
                return Optional.of("PStore " + ps + " of " + (first + bstoreBytes.size()) + " " + e.getMessage());
            }
            p.commit(placed, allocated);
            List<ErasureLayout.BStorePlacement> members = new ArrayList<>();
            for (int b = 0; b < placed.size(); b++) {
                int at = i * code.width() + b;
                PlacedLeg pl = placed.get(b);
                members.add(new ErasureLayout.BStorePlacement(
                        pl.nodeId(),
                        pl.driveId(),
                        ids.extentIds().get(at),
                        ids.secrets().get(at)));
                nodes.add(pl.nodeId());
            }
            out.add(new ErasureLayout.PStorePlacement(ids.firstKey() + i, bstoreBytes.get(i), members));
        }
        return Optional.empty();
    }

    /** New BStores' extent ids and secrets, in order, and the first DKV key of their PStores' layouts. */
    record NewBStores(List<UUID> extentIds, List<String> secrets, long firstKey) {}

    /** Why keys {@code first..first+count-1} cannot hold a volume's new PStores, if they cannot. */
    static Optional<String> keysProblem(ClusterState s, long first, int count) {
        DkvLayout d = s.dkv();
        long end = DkvLayout.FIRST_KEY + d.reservedKeys();
        if (first < DkvLayout.FIRST_KEY || first > end - count) {
            return Optional.of("DKV keys " + first + " to " + (first + count - 1) + " were not reserved (the DKV has "
                    + d.reservedKeys() + " reserved from " + DkvLayout.FIRST_KEY + ")");
        }
        for (Volume v : s.volumes().values()) {
            if (v.erasure().isPresent()) {
                for (ErasureLayout.KeyRange r : v.erasure().get().keyRanges()) {
                    if (first < r.first() + r.count() && r.first() < first + count) {
                        return Optional.of("DKV keys from " + first + " are volume '" + v.name() + "''s");
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** Creation is over: every BStore exists on its node and every layout is in the DKV. */
    static Outcome stored(ClusterState s, LegIndex index, Command.PStoresStored c, long logIndex) {
        Volume v = s.volumes().get(c.volumeId());
        if (v == null || v.erasure().isEmpty()) {
            return Outcome.refused(NOT_FOUND, "no erasure-coded volume " + c.volumeId());
        }
        ErasureLayout e = v.erasure().get();
        if (e.stored()) {
            return Outcome.ok(v.id().toString());
        }
        for (ErasureLayout.PStorePlacement p : e.pending()) {
            for (ErasureLayout.BStorePlacement b : p.members()) {
                NodeRecord n = s.nodes().get(b.nodeId());
                if (n == null || !n.extents().containsKey(b.extentId())) {
                    return Outcome.refused(
                            CONFLICT, "BStore " + b.extentId() + " of volume '" + v.name() + "' is not created yet");
                }
            }
        }
        index.remove(v, logIndex);
        Volume done = v.withErasure(e.withPending(List.of(), e.nodes()), VolumeState.AVAILABLE);
        s.volumes().put(v.id(), done);
        index.add(done, logIndex);
        e.nodes().forEach(n -> index.touch(n, logIndex));
        return Outcome.ok(v.id().toString());
    }

    /**
     * The BStores of an erasure-coded volume being deleted become orphans: those still in its state
     * (its creation had not ended) or those the command read from the DKV.
     */
    static Optional<String> orphanBStores(
            ClusterState s, LegIndex index, Volume v, Command.DeleteVolume c, long logIndex) {
        ErasureLayout e = v.erasure().orElseThrow();
        List<Command.Orphaned> bstores = new ArrayList<>();
        if (!e.stored()) {
            e.pending()
                    .forEach(p -> p.members()
                            .forEach(
                                    b -> bstores.add(new Command.Orphaned(b.extentId(), b.nodeId(), p.bstoreBytes()))));
        } else {
            bstores.addAll(c.bstores());
        }
        int expected = e.pstores() * e.code().width();
        Set<UUID> distinct = new HashSet<>();
        bstores.forEach(b -> distinct.add(b.extentId()));
        if (distinct.size() != expected || bstores.size() != expected) {
            return Optional.of("volume '" + v.name() + "' has " + expected + " BStores, the deletion names "
                    + distinct.size() + "; ask again");
        }
        // The new BStores of rebuilds still running, and of a growth under way, are in no layout
        // yet: they go too.
        e.rebuilds()
                .forEach(r -> bstores.add(new Command.Orphaned(
                        r.replacement().extentId(), r.replacement().nodeId(), r.bstoreBytes())));
        e.growing()
                .ifPresent(g -> g.added()
                        .forEach(p -> p.members()
                                .forEach(b ->
                                        bstores.add(new Command.Orphaned(b.extentId(), b.nodeId(), p.bstoreBytes())))));
        for (Command.Orphaned b : bstores) {
            s.orphans()
                    .put(
                            b.extentId(),
                            new Orphan(
                                    b.extentId(),
                                    b.nodeId(),
                                    b.sizeBytes(),
                                    c.atMillis(),
                                    logIndex,
                                    "volume " + v.name() + " deleted",
                                    true));
            index.touch(b.nodeId(), logIndex);
        }
        ReprotectCommands.release(s, index, v.id(), Set.of(), c.atMillis(), logIndex, "the volume was deleted");
        return Optional.empty();
    }

    /** The tie-break of a placement for member {@code member} (0: all) of PStore {@code pstore} of a volume. */
    static long tieBreak(UUID volumeId, int pstore, int member) {
        return volumeId.getMostSignificantBits() * 31
                + volumeId.getLeastSignificantBits()
                + pstore * 1_000_003L
                + member;
    }
}
