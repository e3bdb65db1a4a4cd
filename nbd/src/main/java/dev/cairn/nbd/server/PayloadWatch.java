package dev.cairn.nbd.server;

/**
 * When a connection's reader started waiting for a request payload, so the server can cut a client
 * that sends a header and then stalls: such a client would otherwise hold a payload buffer (and
 * part of the server-wide budget) forever. Written by the reader, read by the server's sweep.
 */
final class PayloadWatch {
    private static final long IDLE = Long.MIN_VALUE;
    private volatile long sinceNanos = IDLE;

    void start(long nowNanos) {
        sinceNanos = nowNanos;
    }

    void stop() {
        sinceNanos = IDLE;
    }

    /** True when a payload has been awaited for longer than {@code timeoutNanos}. */
    boolean stalled(long nowNanos, long timeoutNanos) {
        long since = sinceNanos;
        return since != IDLE && nowNanos - since > timeoutNanos;
    }
}
