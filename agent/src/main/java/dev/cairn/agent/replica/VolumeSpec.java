package dev.cairn.agent.replica;

import dev.cairn.agent.bitmap.BitmapFormat;
import dev.cairn.agent.bitmap.LegHeader;
import dev.cairn.agent.leg.LegTarget;
import dev.cairn.control.api.AgentApi;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

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

    /** From the controller's description, with the export names for this attachment. */
    public static VolumeSpec of(AgentApi.AttachedVolume v) {
        List<LegTarget> targets = new ArrayList<>();
        for (AgentApi.AttachedLeg l : v.legs()) {
            UUID extent = UUID.fromString(l.extentId());
            targets.add(new LegTarget(
                    l.index(),
                    extent,
                    UUID.fromString(l.nodeId()),
                    LegTarget.address(l.nbdAddress()),
                    LegTarget.exportName(extent, v.generation(), l.secret()),
                    l.extentSizeBytes()));
        }
        return new VolumeSpec(
                UUID.fromString(v.volumeId()), v.name(), v.sizeBytes(), v.regionSizeBytes(), v.generation(), targets);
    }

    public long dataOffset() {
        return legs.getFirst().extentSizeBytes() - sizeBytes;
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

    List<UUID> legIds() {
        return legs.stream().map(LegTarget::extentId).toList();
    }
}
