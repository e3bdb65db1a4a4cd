package dev.cairn.drive;

import java.io.IOException;

/** A drive operation that cannot be done, with the reason a caller can act on and a clear message. */
public final class DriveException extends IOException {

    /** Why: lets the node map the failure to the right answer (HTTP status, NBD error). */
    public enum Reason {
        /** Not enough free space in the data area. */
        NO_SPACE,
        /** The extent table has no free entry. */
        TABLE_FULL,
        /** No extent with that id. */
        NOT_FOUND,
        /** An extent with that id exists already. */
        CONFLICT,
        /** The request itself is wrong (size, alignment, range). */
        INVALID,
        /** The drive's on-disk metadata is damaged or foreign. */
        CORRUPT,
        /** The extent is being freed, or the drive closed. */
        CLOSED,
        /** The caller holds an older generation of the extent than its current one. */
        FENCED
    }

    private final Reason reason;

    public DriveException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public DriveException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
