package dev.cairn.drive;

import java.util.UUID;

/**
 * One row of the extent table: where an extent lives on its drive and who may use it.
 *
 * @param sizeBytes the extent's size as requested (a multiple of 4 KiB)
 * @param offset the extent's first byte on the drive (a multiple of 1 MiB)
 */
public record ExtentRecord(
        UUID id, long offset, long sizeBytes, State state, ExtentAccess access, long createdAtMillis, Kind kind) {

    /** What an extent holds, which decides how the node serves writes to it. */
    public enum Kind {
        /** Blocks: a leg, written as the client sends them. */
        DATA,
        /**
         * A KV volume of the DKV: 4 KiB slots, each write judged by the slot rule (the greater
         * version is kept), nothing but whole slots written.
         */
        KV,
        /**
         * A BStore of an erasure-coded volume: blocks, written as the client sends them, like a
         * leg; told apart so the node says what it holds (its controller does not list it).
         */
        BSTORE
    }

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
        return new ExtentRecord(id, offset, sizeBytes, newState, access, createdAtMillis, kind);
    }

    ExtentRecord withAccess(ExtentAccess newAccess) {
        return new ExtentRecord(id, offset, sizeBytes, state, newAccess, createdAtMillis, kind);
    }
}
