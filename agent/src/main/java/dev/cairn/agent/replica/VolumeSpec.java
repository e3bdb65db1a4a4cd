package dev.cairn.agent.replica;

import dev.cairn.control.api.AgentApi;
import dev.cairn.legs.header.LegHeader;
import dev.cairn.legs.io.LegTarget;
import dev.cairn.legs.sync.ResyncPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * An attached volume as the controller hands it out: identity, size, region size, the attachment
 * generation, and its legs. Every leg's extent holds a header area (superblock and bitmap, {@link
 * LegHeader#areaBytes}) and then the volume's bytes: {@code dataOffset} is where they start on
 * each leg. A leg's target asks for what the volume needs of it; its extent may be larger (grown
 * ahead of the volume, which then grows too, see {@link #incompatibility}).
 */
public record VolumeSpec(
        UUID volumeId, String name, long sizeBytes, long regionBytes, long generation, List<LegTarget> legs) {

    public VolumeSpec {
        legs = List.copyOf(legs);
        if (legs.isEmpty()) {
            throw new IllegalArgumentException("volume " + name + " has no legs");
        }
        if (sizeBytes <= 0 || Long.bitCount(regionBytes) != 1) {
            throw new IllegalArgumentException(
                    "volume " + name + ": size " + sizeBytes + " and region size " + regionBytes + " make no sense");
        }
        if (legs.stream().map(LegTarget::extentId).distinct().count() < legs.size()) {
            throw new IllegalArgumentException("volume " + name + " names a leg twice: " + legs);
        }
        long needed = neededBytes(sizeBytes, regionBytes);
        for (LegTarget t : legs) {
            if (t.extentSizeBytes() < needed) {
                throw new IllegalArgumentException("volume " + name + ": leg " + t.extentId() + "'s extent of "
                        + t.extentSizeBytes() + " bytes has no room for a header and " + sizeBytes + " bytes ("
                        + needed + ")");
            }
        }
    }

    /** "volume NAME (ID)", for logs. */
    public String describe() {
        return "volume " + name + " (" + volumeId + ")";
    }

    /**
     * From the controller's description, with the export names for this attachment; each leg's
     * target asks for what the volume needs (its extent may hold more: grown ahead of the volume).
     */
    public static VolumeSpec of(AgentApi.AttachedVolume v) {
        long needed = neededBytes(v.sizeBytes(), v.regionSizeBytes());
        List<LegTarget> targets = new ArrayList<>();
        for (AgentApi.AttachedLeg l : v.legs()) {
            UUID extent = l.extentId();
            targets.add(new LegTarget(
                    l.index(),
                    extent,
                    l.nodeId(),
                    LegTarget.address(l.nbdAddress()),
                    LegTarget.exportName(extent, v.generation(), l.secret()),
                    Math.min(l.extentSizeBytes(), needed),
                    l.kept()));
        }
        return new VolumeSpec(v.volumeId(), v.name(), v.sizeBytes(), v.regionSizeBytes(), v.generation(), targets);
    }

    /** What a leg's extent must hold for a volume of {@code sizeBytes}: its header area and its bytes. */
    static long neededBytes(long sizeBytes, long regionBytes) {
        return LegHeader.areaBytes(sizeBytes, regionBytes) + sizeBytes;
    }

    public long dataOffset() {
        return LegHeader.areaBytes(sizeBytes, regionBytes);
    }

    /** What every leg's header must agree with, for {@link ResyncPlan}. */
    public ResyncPlan.Geometry geometry() {
        return new ResyncPlan.Geometry(volumeId, sizeBytes, regionBytes, dataOffset(), regions());
    }

    public long regions() {
        return regionsOf(sizeBytes, regionBytes);
    }

    static long regionsOf(long sizeBytes, long regionBytes) {
        return (sizeBytes + regionBytes - 1) / regionBytes;
    }

    /** Bytes of region {@code r} (the last one may be short). */
    public long regionLength(long r) {
        return Math.min(regionBytes, sizeBytes - r * regionBytes);
    }

    /** The legs the controller replaced after they went missing (see {@link LegTarget#kept}). */
    Set<UUID> keptLegs() {
        return legs.stream().filter(LegTarget::kept).map(LegTarget::extentId).collect(Collectors.toSet());
    }

    List<UUID> legIds() {
        return legs.stream().map(LegTarget::extentId).toList();
    }

    /** This volume grown to {@code newSize}, each leg's target asking for what it needs then. */
    VolumeSpec withSize(long newSize) {
        long needed = neededBytes(newSize, regionBytes);
        List<LegTarget> grown = legs.stream()
                .map(t -> new LegTarget(
                        t.index(), t.extentId(), t.nodeId(), t.address(), t.exportName(), needed, t.kept()))
                .toList();
        VolumeSpec newer = new VolumeSpec(volumeId, name, newSize, regionBytes, generation, grown);
        incompatibility(this, newer).ifPresent(why -> {
            throw new IllegalArgumentException(why);
        });
        return newer;
    }

    /** This volume with other legs (the controller added or removed some at this generation). */
    VolumeSpec withLegs(List<LegTarget> newLegs) {
        VolumeSpec newer = new VolumeSpec(volumeId, name, sizeBytes, regionBytes, generation, newLegs);
        incompatibility(this, newer).ifPresent(why -> {
            throw new IllegalArgumentException(why);
        });
        return newer;
    }

    /**
     * Why {@code newer} cannot replace {@code current} without a new attachment, if it cannot: at
     * the same generation the legs (and their addresses) may change, and the volume may grow with
     * its data where it is (the same region size and data offset); it never shrinks, and its
     * generation and the rest of its geometry never change.
     */
    public static Optional<String> incompatibility(VolumeSpec current, VolumeSpec newer) {
        if (!newer.volumeId.equals(current.volumeId)) {
            return Optional.of("volume " + newer.volumeId + " is not volume " + current.volumeId);
        }
        if (newer.generation != current.generation) {
            return Optional.of("volume " + current.name + ": generation " + newer.generation + " is not "
                    + current.generation + " (a new generation is a new attachment)");
        }
        if (newer.sizeBytes < current.sizeBytes) {
            return Optional.of("volume " + current.name + ": size " + newer.sizeBytes + " is smaller than the attached "
                    + current.sizeBytes + " (a volume never shrinks)");
        }
        if (newer.regionBytes != current.regionBytes || newer.dataOffset() != current.dataOffset()) {
            return Optional.of("volume " + current.name + ": size " + newer.sizeBytes + ", regions of "
                    + newer.regionBytes + " and data at " + newer.dataOffset() + " differ from the attached "
                    + current.sizeBytes + ", " + current.regionBytes + " and " + current.dataOffset()
                    + " at the same generation");
        }
        return Optional.empty();
    }
}
