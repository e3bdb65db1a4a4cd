package dev.cairn.nbd.server;

import dev.cairn.nbd.NbdProtocol;

/**
 * A decoded request header. {@code length} is the unsigned 32-bit field, widened; {@code
 * startNanos} is when the header was read ({@link System#nanoTime}), for the request's latency.
 */
record Request(int flags, int type, long handle, long offset, long length, long startNanos) {
    static final int HEADER_BYTES = 28;

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** "WRITE of 4096 bytes at 8192", for messages. */
    String describe() {
        return NbdProtocol.commandName(type) + " of " + length + " bytes at " + Long.toUnsignedString(offset);
    }
}
