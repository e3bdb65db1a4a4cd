package dev.cairn.nbd.server;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One WRITE applied to the export as consecutive sub-writes, each made of payload bytes already
 * received: the server never holds memory for payload that has not arrived, so a client that sends
 * a header and stalls pins nothing but its own input buffer. NBD promises no atomicity for a write,
 * only that its reply comes once all of it is done; this counts the pieces still running (plus one
 * the reader holds until it has issued the last) and keeps the first failure. Whoever finishes last
 * (the reader, or a worker) answers the request.
 */
final class PiecedWrite {
    private final Request request;
    /** Pieces running on workers, plus one while the reader is still issuing pieces. */
    private final AtomicInteger outstanding = new AtomicInteger(1);
    /** The first piece's failure; written before its piece counts down, read after the last does. */
    private volatile Reply.Failed failure;

    PiecedWrite(Request request) {
        this.request = request;
    }

    Request request() {
        return request;
    }

    /** A piece goes to a worker. */
    void onPieceIssued() {
        outstanding.incrementAndGet();
    }

    /** Records a piece's failure (the first one wins; the request fails). */
    synchronized void onPieceFailed(int errno, String message) {
        if (failure == null) {
            failure = new Reply.Failed(request.handle(), errno, message);
        }
    }

    /**
     * A worker's piece, or the reader's issuing, is done. True for the caller that completed the
     * request: it sends {@link #reply}.
     */
    boolean onPieceDone() {
        return outstanding.decrementAndGet() == 0;
    }

    boolean failed() {
        return failure != null;
    }

    /** The reply, once {@link #onPieceDone} said the request is complete. */
    Reply reply() {
        Reply.Failed f = failure;
        return f != null ? f : new Reply.Done(request.handle());
    }
}
