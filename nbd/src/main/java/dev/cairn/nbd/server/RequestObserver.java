package dev.cairn.nbd.server;

/**
 * Told of every request a connection answers, for metrics. Called on the thread that produced the
 * reply (the connection's reader for what it answers itself, a worker for the rest), once per
 * request, before the reply is written: it must be cheap, never block and never throw.
 */
@FunctionalInterface
public interface RequestObserver {
    /** Observes nothing. */
    RequestObserver NONE = (command, bytes, nanos, errno) -> {};

    /**
     * One request answered.
     *
     * @param command the request's command ({@code NbdProtocol.CMD_*}, or whatever unknown value a
     *     client sent)
     * @param bytes the request's length: the data read or written, for a READ or a WRITE
     * @param nanos from its header being read to its reply being ready to send
     * @param errno 0 when it succeeded, else the NBD error value it was answered with
     */
    void onReply(int command, long bytes, long nanos, int errno);
}
