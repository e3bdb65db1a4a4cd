package dev.cairn.agent.replica;

import dev.cairn.control.api.AgentApi;
import dev.cairn.legs.header.BitmapFormat;
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
 * generation, and its legs. Every leg's extent is the volume's size plus a header area in front
 * (superblock and bitmap); {@code dataOffset} is where the volume's bytes start on each leg.
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
        long extent = legs.getFirst().extentSizeBytes();
        for (LegTarget t : legs) {
            if (t.extentSizeBytes() != extent) {
                throw new IllegalArgumentException("volume " + name + ": legs of different sizes (" + extent + " and "
                        + t.extentSizeBytes() + ")");
            }
        }
        long needed = LegHeader.BITMAP_OFFSET
                + (long) BitmapFormat.pagesFor(regionsOf(sizeBytes, regionBytes)) * BitmapFormat.PAGE_BYTES;
        if (extent - sizeBytes < needed) {
            throw new IllegalArgumentException("volume " + name + ": a leg extent of " + extent
                    + " bytes leaves no room for a header of " + needed + " bytes in front of " + sizeBytes);
        }
    }

    /** "volume NAME (ID)", for logs. */
    public String describe() {
        return "volume " + name + " (" + volumeId + ")";
    }

    /** From the controller's description, with the export names for this attachment. */
    public static VolumeSpec of(AgentApi.AttachedVolume v) {
        List<LegTarget> targets = new ArrayList<>();
        for (AgentApi.AttachedLeg l : v.legs()) {
            UUID extent = l.extentId();
            targets.add(new LegTarget(
                    l.index(),
                    extent,
                    l.nodeId(),
                    LegTarget.address(l.nbdAddress()),
                    LegTarget.exportName(extent, v.generation(), l.secret()),
                    l.extentSizeBytes(),
                    l.kept()));
        }
        return new VolumeSpec(v.volumeId(), v.name(), v.sizeBytes(), v.regionSizeBytes(), v.generation(), targets);
    }

    public long dataOffset() {
        return legs.getFirst().extentSizeBytes() - sizeBytes;
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

    /** This volume with other legs (the controller added or removed some at this generation). */
    VolumeSpec withLegs(List<LegTarget> newLegs) {
        VolumeSpec newer = new VolumeSpec(volumeId, name, sizeBytes, regionBytes, generation, newLegs);
        incompatibility(this, newer).ifPresent(why -> {
            throw new IllegalArgumentException(why);
        });
        return newer;
    }

    /**
     * Why {@code newer} cannot replace {@code current} without a new attachment, if it cannot: only
     * the legs (and their addresses) may change at the same generation, never the volume, its
     * generation or its geometry.
     */
    public static Optional<String> incompatibility(VolumeSpec current, VolumeSpec newer) {
        if (!newer.volumeId.equals(current.volumeId)) {
            return Optional.of("volume " + newer.volumeId + " is not volume " + current.volumeId);
        }
        if (newer.generation != current.generation) {
            return Optional.of("volume " + current.name + ": generation " + newer.generation + " is not "
                    + current.generation + " (a new generation is a new attachment)");
        }
        if (newer.sizeBytes != current.sizeBytes
                || newer.regionBytes != current.regionBytes
                || newer.dataOffset() != current.dataOffset()) {
            return Optional.of("volume " + current.name + ": size " + newer.sizeBytes + ", regions of "
                    + newer.regionBytes + " and data at " + newer.dataOffset() + " differ from the attached "
                    + current.sizeBytes + ", " + current.regionBytes + " and " + current.dataOffset()
                    + " at the same generation");
        }
        return Optional.empty();
    }
}
