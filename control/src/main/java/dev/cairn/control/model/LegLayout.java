package dev.cairn.control.model;

import dev.cairn.legs.header.LegHeader;

/**
 * How big a leg's extent is for a volume: the volume's bytes plus a header area in front, which
 * holds the leg's superblock and its write-intent bitmap (one bit per region), rounded up to 1 MiB.
 */
public final class LegLayout {
    static final long SUPERBLOCK_BYTES = 4096;
    static final long ALIGNMENT = 1 << 20;

    private LegLayout() {}

    public static long headerBytes(long volumeBytes, long regionBytes) {
        return LegHeader.areaBytes(volumeBytes, regionBytes);
    }

    /**
     * The largest volume whose header is as big as that of a volume of {@code volumeBytes}: the
     * most it can grow to with its data where it is (the bitmap has room for its regions).
     */
    public static long largestWithSameHeader(long volumeBytes, long regionBytes) {
        long bitmapBytes = headerBytes(volumeBytes, regionBytes) - SUPERBLOCK_BYTES;
        return Math.min(Limits.MAX_VOLUME_BYTES, bitmapBytes * 8 * regionBytes);
    }

    public static long extentBytes(long volumeBytes, long regionBytes) {
        return headerBytes(volumeBytes, regionBytes) + volumeBytes;
    }

    /** The drive space an extent of this size occupies (extents start on 1 MiB boundaries). */
    public static long allocatedBytes(long extentBytes) {
        return roundUp(extentBytes, ALIGNMENT);
    }

    static long roundUp(long value, long unit) {
        return (value + unit - 1) / unit * unit;
    }
}
