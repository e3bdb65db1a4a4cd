package dev.cairn.nbd.server;

/**
 * When a connection started waiting on its client, so the server's sweep can cut a client that
 * stalls: one watch for the reader (a request header begun but not finished, a payload not all
 * received) and one for the writer (a reply the client does not take). Whoever waits starts and
 * stops it; the sweep reads it. An idle connection, between requests with nothing to send, is not
 * stalled: that is a client with nothing to do.
 */
final class StallWatch {
    private static final long IDLE = Long.MIN_VALUE;
    private volatile long sinceNanos = IDLE;

    void start(long nowNanos) {
        sinceNanos = nowNanos;
    }

    void stop() {
        sinceNanos = IDLE;
    }

    boolean waiting() {
        return sinceNanos != IDLE;
    }

    /** True when the wait began more than {@code timeoutNanos} ago. */
    boolean stalled(long nowNanos, long timeoutNanos) {
        long since = sinceNanos;
        return since != IDLE && nowNanos - since > timeoutNanos;
    }
}
