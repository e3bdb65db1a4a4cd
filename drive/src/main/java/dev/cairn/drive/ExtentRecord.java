package dev.cairn.drive;

import java.util.List;
import java.util.UUID;

/**
 * An extent as its drive's table holds it: where its bytes live on the drive and who may use it.
 * An extent is one or more pieces, each a contiguous run of the drive; the extent's bytes are the
 * pieces' bytes in order. A new extent is one piece; {@link Drive#grow} lengthens the last piece
 * in place when the space after it is free, or adds a piece where there is room.
 *
 * @param pieces in the extent's order; every piece but the last is a whole number of MiB, so a
 *     piece boundary is always on a 1 MiB boundary of the extent
 */
public record ExtentRecord(
        UUID id, List<Piece> pieces, State state, ExtentAccess access, long createdAtMillis, Kind kind) {

    /**
     * A contiguous run of the drive holding part of an extent.
     *
     * @param offset its first byte on the drive (a multiple of 1 MiB)
     * @param sizeBytes the extent's bytes it holds (a positive multiple of 4 KiB)
     */
    public record Piece(long offset, long sizeBytes) {
        /** Bytes of the data area the piece occupies (its size rounded up to the alignment). */
        public long allocatedBytes() {
            return Layout.roundUp(sizeBytes, Layout.ALIGNMENT);
        }

        public long end() {
            return offset + allocatedBytes();
        }
    }

    public ExtentRecord {
        pieces = List.copyOf(pieces);
        if (pieces.isEmpty()) {
            throw new IllegalArgumentException("extent " + id + " has no piece");
        }
    }

    /** An extent of one piece. */
    public ExtentRecord(
            UUID id, long offset, long sizeBytes, State state, ExtentAccess access, long createdAtMillis, Kind kind) {
        this(id, List.of(new Piece(offset, sizeBytes)), state, access, createdAtMillis, kind);
    }

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

    /** Where the extent starts on the drive (its first piece). */
    public long offset() {
        return pieces.getFirst().offset();
    }

    /** The extent's size: its pieces' sizes added up. */
    public long sizeBytes() {
        long size = 0;
        for (Piece p : pieces) {
            size += p.sizeBytes();
        }
        return size;
    }

    /** Bytes of the data area the extent occupies (each piece rounded up to the alignment). */
    public long allocatedBytes() {
        long bytes = 0;
        for (Piece p : pieces) {
            bytes += p.allocatedBytes();
        }
        return bytes;
    }

    ExtentRecord withState(State newState) {
        return new ExtentRecord(id, pieces, newState, access, createdAtMillis, kind);
    }

    ExtentRecord withAccess(ExtentAccess newAccess) {
        return new ExtentRecord(id, pieces, state, newAccess, createdAtMillis, kind);
    }

    ExtentRecord withPieces(List<Piece> newPieces) {
        return new ExtentRecord(id, newPieces, state, access, createdAtMillis, kind);
    }
}
