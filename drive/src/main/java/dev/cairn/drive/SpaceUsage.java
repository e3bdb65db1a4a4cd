package dev.cairn.drive;

/** How a drive's data area is used. */
public record SpaceUsage(long dataBytes, long usedBytes, long largestFreeBytes, int extentCount) {
    public long freeBytes() {
        return dataBytes - usedBytes;
    }
}
