package dev.cairn.drive;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Where the bytes an extent grows by go: a pure function of the drive's rows, easy to test. The
 * last piece gets longer when the space right after it is free (its rounding to 1 MiB first);
 * otherwise it is filled up to its MiB and the rest is a new piece in the smallest gap that holds
 * it, as {@link Drive#allocate} places a new extent.
 */
final class ExtentGrowth {
    /** At most this many pieces per extent: each growth that cannot extend in place adds one. */
    static final int MAX_PIECES = 64;

    /** The growth has no room; the message says what is missing, {@code reason} which kind. */
    static final class NoRoom extends Exception {
        private static final long serialVersionUID = 1L;
        final DriveException.Reason reason;

        NoRoom(DriveException.Reason reason, String message) {
            super(message);
            this.reason = reason;
        }
    }

    private ExtentGrowth() {}

    /** The pieces of {@code r} with {@code more} bytes after its last. */
    static List<ExtentRecord.Piece> pieces(
            ExtentRecord r, long more, Collection<ExtentRecord> records, DriveLabel label) throws NoRoom {
        List<ExtentRecord.Piece> pieces = new ArrayList<>(r.pieces());
        ExtentRecord.Piece last = pieces.removeLast();
        long slack = last.allocatedBytes() - last.sizeBytes();
        SpaceMap map = SpaceMap.of(records, label);
        long rest = more - slack;
        long needed = Layout.roundUp(Math.max(rest, 0), Layout.ALIGNMENT);
        if (rest <= 0 || map.gapAt(last.end()) >= needed) {
            pieces.add(new ExtentRecord.Piece(last.offset(), last.sizeBytes() + more));
            return pieces;
        }
        if (r.pieces().size() >= MAX_PIECES) {
            throw new NoRoom(
                    DriveException.Reason.NO_SPACE,
                    "it already has " + MAX_PIECES + " pieces and the space after its last is taken");
        }
        if (ExtentTable.entries(records) >= label.tableCapacity()) {
            throw new NoRoom(
                    DriveException.Reason.TABLE_FULL,
                    "the extent table is full (" + label.tableCapacity() + " pieces)");
        }
        long offset = map.bestFit(needed)
                .orElseThrow(() -> new NoRoom(
                        DriveException.Reason.NO_SPACE,
                        "no free gap of " + needed + " bytes (largest " + map.largestGap() + ", free "
                                + (label.dataBytes() - map.usedBytes()) + ")"));
        pieces.add(new ExtentRecord.Piece(last.offset(), last.allocatedBytes()));
        pieces.add(new ExtentRecord.Piece(offset, rest));
        return pieces;
    }
}
