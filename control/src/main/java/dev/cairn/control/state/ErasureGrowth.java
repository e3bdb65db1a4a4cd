package dev.cairn.control.state;

import static dev.cairn.control.state.Outcome.Status.CONFLICT;
import static dev.cairn.control.state.Outcome.Status.INVALID;
import static dev.cairn.control.state.Outcome.Status.NOT_FOUND;
import static dev.cairn.control.state.Outcome.Status.UNPLACEABLE;

import dev.cairn.control.api.Sizes;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.LegLayout;
import dev.cairn.control.model.Limits;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import dev.cairn.control.model.VolumeState;
import dev.cairn.control.placement.PlacedLeg;
import dev.cairn.control.placement.Placement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Growing an erasure-coded volume, in two steps of the log. {@link #resize} places the PStores the
 * new size adds (as a new volume's: greedy by free space, distinct drives, nodes and domains) and,
 * when the new size gives the last PStore more rows, wants its members' extents larger in place
 * (the new rows are zeroes on every member, so their parity holds); the volume keeps its size
 * meanwhile, its growth in its state ({@link ErasureLayout.Growth}). Once every node has made its
 * part, the restriper stores the new layouts in the DKV and logs {@link #grown}: the volume has its
 * new size. Nothing of its data moves; its PStores keep their logical ranges.
 */
public final class ErasureGrowth {
    private ErasureGrowth() {}

    static Outcome resize(
            ClusterState s, LegIndex index, Placement p, Volume v, Command.ResizeVolume c, long logIndex) {
        ErasureLayout e = v.erasure().orElseThrow();
        if (v.state() != VolumeState.AVAILABLE || !e.stored()) {
            return Outcome.refused(CONFLICT, "volume '" + v.name() + "' is " + v.state() + ": it is being created");
        }
        long target = e.growing().map(ErasureLayout.Growth::toBytes).orElse(v.sizeBytes());
        Optional<Outcome> same = ResizeCommands.shrinkOrSame(v, target, c.sizeBytes());
        if (same.isPresent()) {
            return same.get();
        }
        if (e.growing().isPresent()) {
            return Outcome.refused(
                    CONFLICT,
                    "volume '" + v.name() + "' is growing to " + Sizes.human(target)
                            + " (its nodes are making their part); grow it further once that is done");
        }
        if (!e.rebuilds().isEmpty()) {
            return Outcome.refused(
                    CONFLICT,
                    "volume '" + v.name() + "' has " + e.rebuilds().size()
                            + " BStores being rebuilt (reprotect); grow it once they are done");
        }
        StorageClass sc = s.classes().get(v.className());
        int pstores = Math.toIntExact((c.sizeBytes() + e.pstoreBytes() - 1) / e.pstoreBytes());
        Optional<Outcome> ids = idsProblem(s, index, v, c, pstores - e.pstores());
        if (ids.isPresent()) {
            return ids.get();
        }
        int last = e.pstores() - 1;
        long lastNow = e.bstoreBytes(last, v.sizeBytes());
        long lastThen = e.bstoreBytes(last, c.sizeBytes());
        List<ErasureLayout.BStorePlacement> lastMembers = lastThen > lastNow ? c.lastMembers() : List.of();
        Optional<Outcome> noRoom = lastThen > lastNow
                ? growLast(
                        s,
                        p,
                        v,
                        lastMembers,
                        last,
                        LegLayout.allocatedBytes(lastThen) - LegLayout.allocatedBytes(lastNow))
                : Optional.empty();
        if (noRoom.isPresent()) {
            return noRoom.get();
        }
        List<Long> sizes = new ArrayList<>();
        for (int ps = e.pstores(); ps < pstores; ps++) {
            sizes.add(e.bstoreBytes(ps, c.sizeBytes()));
        }
        List<ErasureLayout.PStorePlacement> placed = new ArrayList<>();
        Set<UUID> nodes = new TreeSet<>(e.nodes());
        Optional<String> unplaceable = ErasureCommands.place(
                p,
                sc,
                v.id(),
                e.pstores(),
                sizes,
                new ErasureCommands.NewBStores(c.extentIds(), c.secrets(), c.firstKey()),
                placed,
                nodes);
        if (unplaceable.isPresent()) {
            return Outcome.refused(
                    UNPLACEABLE,
                    "volume '" + v.name() + "' cannot grow to " + Sizes.human(c.sizeBytes()) + " (class " + sc.name()
                            + ", " + e.code() + " across " + sc.spreadAcross() + "): " + unplaceable.get());
        }
        ErasureLayout.Growth growth = new ErasureLayout.Growth(
                c.sizeBytes(), c.firstKey(), placed, lastThen > lastNow ? lastThen : 0, lastMembers);
        index.remove(v, logIndex);
        Volume growing = v.withErasure(e.withGrowth(growth, nodes), v.state());
        s.volumes().put(v.id(), growing);
        index.add(growing, logIndex);
        lastMembers.forEach(b -> index.touch(b.nodeId(), logIndex));
        return Outcome.ok(v.id().toString());
    }

    /** Why the command's new BStores do not do for a growth that adds {@code added} PStores, if they do not. */
    private static Optional<Outcome> idsProblem(
            ClusterState s, LegIndex index, Volume v, Command.ResizeVolume c, int added) {
        ErasureLayout e = v.erasure().orElseThrow();
        int width = e.code().width();
        long bstores = (long) (e.pstores() + added) * width;
        if (bstores > Limits.MAX_VOLUME_BSTORES) {
            return Optional.of(Outcome.refused(
                    INVALID,
                    "volume '" + v.name() + "' of " + Sizes.human(c.sizeBytes()) + " would have " + bstores
                            + " BStores, more than the " + Limits.MAX_VOLUME_BSTORES + " one volume may have"));
        }
        if (c.extentIds().size() != added * width || c.secrets().size() != added * width) {
            return Optional.of(Outcome.refused(
                    INVALID,
                    "growing volume '" + v.name() + "' to " + c.sizeBytes() + " bytes adds " + added + " PStores of "
                            + width + " BStores, the command carries "
                            + c.extentIds().size() + " extent ids and "
                            + c.secrets().size() + " secrets"));
        }
        if (added > 0) {
            Optional<String> keys = ErasureCommands.keysProblem(s, c.firstKey(), added);
            if (keys.isPresent()) {
                return Optional.of(Outcome.refused(CONFLICT, "volume '" + v.name() + "': " + keys.get()));
            }
        }
        for (UUID extent : c.extentIds()) {
            if (index.desired(extent) || s.orphans().containsKey(extent)) {
                return Optional.of(Outcome.refused(CONFLICT, "extent id " + extent + " is taken"));
            }
        }
        return Optional.empty();
    }

    /**
     * Charges the growth of the last PStore's members ({@code more} bytes each) against their
     * drives; why it cannot be, if a drive has no room or a node takes nothing now.
     */
    private static Optional<Outcome> growLast(
            ClusterState s, Placement p, Volume v, List<ErasureLayout.BStorePlacement> members, int last, long more) {
        int width = v.erasure().orElseThrow().code().width();
        if (members.size() != width) {
            return Optional.of(Outcome.refused(
                    INVALID,
                    "volume '" + v.name() + "''s last PStore grows, the command names " + members.size() + " of its "
                            + width + " BStores"));
        }
        for (ErasureLayout.BStorePlacement b : members) {
            Optional<String> why = noRoom(s, p, b, last, more);
            if (why.isPresent()) {
                return Optional.of(Outcome.refused(UNPLACEABLE, "volume '" + v.name() + "' cannot grow: " + why.get()));
            }
            p.commit(List.of(new PlacedLeg(b.nodeId(), b.driveId(), "")), more);
        }
        return Optional.empty();
    }

    /** Why member {@code b} of PStore {@code last} cannot take {@code more} bytes on its drive, if it cannot. */
    private static Optional<String> noRoom(
            ClusterState s, Placement p, ErasureLayout.BStorePlacement b, int last, long more) {
        NodeRecord n = s.nodes().get(b.nodeId());
        String node = n == null ? b.nodeId().toString() : n.name();
        OptionalLong free = p.freeOn(b.driveId());
        if (free.isEmpty()) {
            return Optional.of("a BStore of PStore " + last + " is on node " + node
                    + ", which is offline or draining; grow the volume once the node is back or the BStore rebuilt");
        }
        if (free.getAsLong() < more) {
            return Optional.of("a BStore of PStore " + last + " is on drive " + b.driveId() + " of node " + node
                    + ", which has " + Sizes.human(Math.max(0, free.getAsLong()))
                    + " free for it (spare space kept); it must grow by " + Sizes.human(more));
        }
        return Optional.empty();
    }

    /**
     * The growth is over: every BStore it adds exists on its node and every new layout is in the
     * DKV (the restriper checked the last PStore's members grown before it wrote its layout).
     */
    static Outcome grown(ClusterState s, LegIndex index, Command.ErasureGrown c, long logIndex) {
        Volume v = s.volumes().get(c.volumeId());
        if (v == null || v.erasure().isEmpty()) {
            return Outcome.refused(NOT_FOUND, "no erasure-coded volume " + c.volumeId());
        }
        ErasureLayout e = v.erasure().get();
        if (e.growing().isEmpty()) {
            return Outcome.ok(v.id().toString());
        }
        ErasureLayout.Growth g = e.growing().get();
        for (ErasureLayout.PStorePlacement ps : g.added()) {
            for (ErasureLayout.BStorePlacement b : ps.members()) {
                if (!made(s, b.nodeId(), b.extentId(), ps.bstoreBytes())) {
                    return Outcome.refused(
                            CONFLICT, "BStore " + b.extentId() + " of volume '" + v.name() + "' is not created yet");
                }
            }
        }
        index.remove(v, logIndex);
        Volume done = v.withErasure(e.grown(e.nodes()), v.state()).withSize(g.toBytes());
        s.volumes().put(v.id(), done);
        index.add(done, logIndex);
        e.nodes().forEach(n -> index.touch(n, logIndex));
        return Outcome.ok(v.id().toString());
    }

    /** Whether {@code node} reports extent {@code extent} of at least {@code bytes}, not being erased. */
    public static boolean made(ClusterState s, UUID node, UUID extent, long bytes) {
        NodeRecord n = s.nodes().get(node);
        ObservedExtent seen = n == null ? null : n.extents().get(extent);
        return seen != null && !seen.erasing() && seen.sizeBytes() >= bytes;
    }
}
