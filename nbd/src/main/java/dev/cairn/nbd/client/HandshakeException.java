package dev.cairn.nbd.client;

import java.io.IOException;

/** The server refused an option or misbehaved during the handshake. */
public final class HandshakeException extends IOException {
    private final int replyType;

    public HandshakeException(int replyType, String message) {
        super(message);
        this.replyType = replyType;
    }

    /** The option reply type the server answered with (an NBD_REP_ERR_*), or 0 for a protocol error. */
    public int replyType() {
        return replyType;
    }
}
