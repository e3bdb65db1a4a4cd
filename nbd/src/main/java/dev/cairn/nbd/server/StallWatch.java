package dev.cairn.nbd.server;

/**
 * When a connection started waiting on its client, so the server's sweep can cut a client that
 * stalls: one watch for the reader (a request header begun but not finished, a payload not all
 * received, not counting what the server made it wait) and one for the writer (a reply the client
 * does not take). Whoever waits starts and
 * stops it; the sweep reads it. An idle connection, between requests with nothing to send, is not
 * stalled: that is a client with nothing to do.
 */
final class StallWatch {
    private static final long IDLE = Long.MIN_VALUE;
    private volatile long sinceNanos = IDLE;
    /** While paused: how long the wait had lasted. Only the waiting thread touches it. */
    private long pausedAfterNanos;

    void start(long nowNanos) {
        sinceNanos = nowNanos;
    }

    void stop() {
        sinceNanos = IDLE;
    }

    /**
     * Stops the clock while the server itself makes the client wait (for the shared budget, say):
     * that time is not the client's stall.
     */
    void pause(long nowNanos) {
        long since = sinceNanos;
        pausedAfterNanos = since == IDLE ? 0 : nowNanos - since;
        sinceNanos = IDLE;
    }

    /** Goes on with the wait {@link #pause} stopped, counting what it had lasted. */
    void resume(long nowNanos) {
        sinceNanos = nowNanos - pausedAfterNanos;
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
