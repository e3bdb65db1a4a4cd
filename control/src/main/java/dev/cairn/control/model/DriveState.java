package dev.cairn.control.model;

import java.util.UUID;

/**
 * A drive as its node last reported it.
 *
 * @param dataBytes bytes of the drive's data area (what extents can use)
 * @param usedBytes bytes its extents occupy, including ones being erased
 * @param largestFreeBytes the largest contiguous free gap (an extent must fit in one)
 */
public record DriveState(UUID id, long capacityBytes, long dataBytes, long usedBytes, long largestFreeBytes) {
    public DriveState {
        if (capacityBytes < 0 || dataBytes < 0 || usedBytes < 0 || largestFreeBytes < 0 || usedBytes > dataBytes) {
            throw new IllegalArgumentException("drive " + id + " reports impossible sizes");
        }
    }

    public long freeBytes() {
        return dataBytes - usedBytes;
    }
}
