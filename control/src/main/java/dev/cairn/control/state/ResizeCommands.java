package dev.cairn.control.state;

import static dev.cairn.control.state.Outcome.Status.INVALID;
import static dev.cairn.control.state.Outcome.Status.UNPLACEABLE;

import dev.cairn.control.api.Sizes;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegLayout;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import dev.cairn.control.placement.Placement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;

/**
 * Growing a volume: an erasure-coded one as {@link ErasureGrowth} says; a replicated one in two
 * steps of the log. {@link #resize} wants every leg's extent
 * larger at once (each node grows its extent in place on its drive, see the node's reconciler);
 * the volume keeps its size meanwhile. When a node's report shows the last of them grown, {@link
 * #grown} gives the volume its new size. Its data never moves: a leg's data starts after its header,
 * which has room for the bitmap of every size up to {@link LegLayout#largestWithSameHeader}.
 *
 * <p>An attached volume's agent is told the new size with it and grows the export it serves at the
 * same generation (its legs' extents hold it by then). A leg placed while the volume grows (a
 * repair, a move) is placed at the new size, as every leg then has it.
 */
public final class ResizeCommands {
    private ResizeCommands() {}

    /** The size a volume is growing to, if it is: its legs' extents hold more than its size needs. */
    public static OptionalLong growingTo(ClusterState s, Volume v) {
        if (v.erasure().isPresent()) {
            return v.erasure().get().growing().stream()
                    .mapToLong(ErasureLayout.Growth::toBytes)
                    .findFirst();
        }
        StorageClass sc = s.classes().get(v.className());
        if (sc == null || v.legs().isEmpty()) {
            return OptionalLong.empty();
        }
        long extent = v.legs().stream().mapToLong(Leg::extentSizeBytes).max().orElseThrow();
        long now = LegLayout.extentBytes(v.sizeBytes(), sc.regionSizeBytes());
        return extent > now
                ? OptionalLong.of(extent - LegLayout.headerBytes(v.sizeBytes(), sc.regionSizeBytes()))
                : OptionalLong.empty();
    }

    static Outcome resize(ClusterState s, LegIndex index, Placement p, Command.ResizeVolume c, long logIndex) {
        Optional<Volume> found = VolumeCommands.find(s, index, c.volume());
        boolean erasure = found.flatMap(Volume::erasure).isPresent();
        Optional<Outcome> refused =
                erasure ? Optional.empty() : RepairCommands.refusedUnlessReplicated(s, index, c.volume(), "");
        if (refused.isPresent()) {
            return refused.get();
        }
        Volume v = found.orElseThrow();
        try {
            Volume.checkSize(c.sizeBytes());
        } catch (IllegalArgumentException e) {
            return Outcome.refused(INVALID, e.getMessage());
        }
        if (erasure) {
            return ErasureGrowth.resize(s, index, p, v, c, logIndex);
        }
        Optional<Outcome> same = shrinkOrSame(v, growingTo(s, v).orElse(v.sizeBytes()), c.sizeBytes());
        if (same.isPresent()) {
            return same.get();
        }
        long region = s.classes().get(v.className()).regionSizeBytes();
        long largest = LegLayout.largestWithSameHeader(v.sizeBytes(), region);
        if (c.sizeBytes() > largest) {
            return Outcome.refused(
                    INVALID,
                    "volume '" + v.name() + "' grows to at most " + describe(largest) + " (" + largest
                            + " bytes: the write-intent bitmap"
                            + " in front of its legs' data has room for that many regions of " + describe(region)
                            + "); asked " + describe(c.sizeBytes()));
        }
        long extent = LegLayout.extentBytes(c.sizeBytes(), region);
        List<Leg> legs = new ArrayList<>();
        for (Leg l : v.legs()) {
            Optional<String> why = noRoom(s, p, l, extent);
            if (why.isPresent()) {
                return Outcome.refused(UNPLACEABLE, "volume '" + v.name() + "' cannot grow: " + why.get());
            }
            legs.add(l.withExtentSize(extent));
        }
        s.volumes().put(v.id(), v.withLegs(legs, v.state()));
        Set<UUID> nodes = new HashSet<>();
        legs.forEach(l -> nodes.add(l.nodeId()));
        nodes.forEach(n -> index.touch(n, logIndex));
        return Outcome.ok(v.id().toString());
    }

    /**
     * A volume of {@code v.sizeBytes()} growing to {@code target} (itself if it is not) asked for
     * {@code asked}: refused if smaller (a volume never shrinks), done if the same; else empty.
     */
    static Optional<Outcome> shrinkOrSame(Volume v, long target, long asked) {
        if (asked < target) {
            return Optional.of(Outcome.refused(
                    INVALID,
                    "volume '" + v.name() + "' is " + describe(v.sizeBytes())
                            + (target > v.sizeBytes() ? ", growing to " + describe(target) : "") + ": asked "
                            + describe(asked) + ", but a volume never shrinks (its data would be cut off)"));
        }
        return asked == target ? Optional.of(Outcome.ok(v.id().toString())) : Optional.empty();
    }

    /** Why leg {@code l} cannot take an extent of {@code extent} bytes on its drive, if it cannot. */
    private static Optional<String> noRoom(ClusterState s, Placement p, Leg l, long extent) {
        long more = LegLayout.allocatedBytes(extent) - LegLayout.allocatedBytes(l.extentSizeBytes());
        if (more <= 0) {
            return Optional.empty();
        }
        NodeRecord n = s.nodes().get(l.nodeId());
        String node = n == null ? l.nodeId().toString() : n.name();
        OptionalLong free = p.freeOn(l.driveId());
        if (free.isEmpty()) {
            return Optional.of("leg " + l.index() + "'s node " + node
                    + " is offline or draining; grow it once the node is back or the leg replaced");
        }
        if (free.getAsLong() < more) {
            return Optional.of("leg " + l.index() + "'s drive " + l.driveId() + " on node " + node + " has "
                    + describe(Math.max(0, free.getAsLong())) + " free for it (spare space kept), the growth needs "
                    + describe(more));
        }
        return Optional.empty();
    }

    /**
     * A node reported its extents: each volume with a leg there that is growing takes its new size
     * once every leg's node reports the extent grown. The volumes that grew.
     */
    static List<UUID> grown(ClusterState s, LegIndex index, UUID node, long logIndex) {
        Set<UUID> volumes = new HashSet<>();
        for (UUID extent : index.desiredOn(node)) {
            UUID v = index.volumeOf(extent);
            if (v != null) {
                volumes.add(v);
            }
        }
        List<UUID> grew = new ArrayList<>();
        for (UUID id : volumes) {
            Volume v = s.volumes().get(id);
            OptionalLong to = v == null ? OptionalLong.empty() : growingTo(s, v);
            if (to.isPresent() && v.legs().stream().allMatch(l -> holds(s, l))) {
                s.volumes().put(id, v.withSize(to.getAsLong()));
                v.attachment().ifPresent(a -> index.touchAgent(a.host(), logIndex));
                grew.add(id);
            }
        }
        return grew;
    }

    private static boolean holds(ClusterState s, Leg l) {
        NodeRecord n = s.nodes().get(l.nodeId());
        ObservedExtent seen = n == null ? null : n.extents().get(l.extentId());
        return seen != null && !seen.erasing() && seen.sizeBytes() >= l.extentSizeBytes();
    }

    private static String describe(long bytes) {
        return Sizes.human(bytes);
    }
}
