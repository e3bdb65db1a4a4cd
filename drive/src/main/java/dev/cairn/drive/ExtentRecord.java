package dev.cairn.drive;

import java.util.UUID;

/**
 * One row of the extent table: where an extent lives on its drive and who may use it.
 *
 * @param sizeBytes the extent's size as requested (a multiple of 4 KiB)
 * @param offset the extent's first byte on the drive (a multiple of 1 MiB)
 */
public record ExtentRecord(
        UUID id, long offset, long sizeBytes, State state, ExtentAccess access, long createdAtMillis) {

    /** Lifecycle of an extent on disk. */
    public enum State {
        /** In use. */
        ACTIVE,
        /** Being freed: its data is being erased; its space is not reusable until the row is gone. */
        ERASING
    }

    /** Bytes of the data area the extent occupies (its size rounded up to the alignment). */
    public long allocatedBytes() {
        return Layout.roundUp(sizeBytes, Layout.ALIGNMENT);
    }

    public long end() {
        return offset + allocatedBytes();
    }

    ExtentRecord withState(State newState) {
        return new ExtentRecord(id, offset, sizeBytes, newState, access, createdAtMillis);
    }

    ExtentRecord withAccess(ExtentAccess newAccess) {
        return new ExtentRecord(id, offset, sizeBytes, state, newAccess, createdAtMillis);
    }
}
