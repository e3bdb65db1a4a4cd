package dev.cairn.dkv;

import java.io.IOException;

/** Why a DKV operation did not complete; each subclass says what the caller can do about it. */
public abstract sealed class DkvException extends IOException {
    private static final long serialVersionUID = 1L;

    DkvException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The layout used is older than the mirror's epoch: fetch the layout again and retry. */
    public static final class StaleEpoch extends DkvException {
        private static final long serialVersionUID = 1L;

        public StaleEpoch(String message) {
            super(message, null);
        }
    }

    /**
     * A mirror could not be reached or failed an I/O. The operation cannot complete under this
     * layout; the controller replaces the mirror once its node or drive leaves the quorum.
     */
    public static final class MirrorUnavailable extends DkvException {
        private static final long serialVersionUID = 1L;

        public MirrorUnavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A slot the mirror refused because it holds another key: the writer's layout is wrong. */
    public static final class Refused extends DkvException {
        private static final long serialVersionUID = 1L;

        public Refused(String message) {
            super(message, null);
        }
    }

    /** No mirror of the shard holds a value whose checksum holds, although some hold damaged ones. */
    public static final class Lost extends DkvException {
        private static final long serialVersionUID = 1L;

        public Lost(String message) {
            super(message, null);
        }
    }
}
