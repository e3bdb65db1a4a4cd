package dev.cairn.nbd.server;

import static dev.cairn.nbd.NbdProtocol.*;

import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.NbdException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How one connection's requests run on the export and become replies, on whichever thread does
 * it (the reader for what it answers itself, the export's workers for the rest): every reply is
 * reported to the session's observer before it is queued, every failure counted, every buffer
 * given back to the budget it came from.
 */
final class RequestExecution {
    private static final Logger log = LoggerFactory.getLogger(RequestExecution.class);
    private static final int MAX_STATUS_DESCRIPTORS = 512;

    private final String peer;
    private final ExportSession session;
    private final Negotiated negotiated;
    private final ReplyWriter writer;
    private final BufferPool buffers;
    private final ReplyCredit credit;
    private final ServerStats stats;
    private final Connection connection;
    private final RequestObserver observer;

    RequestExecution(
            Negotiated negotiated, ReplyWriter writer, BufferPool buffers, ServerStats stats, Connection connection) {
        this.peer = connection.peer();
        this.session = negotiated.session();
        this.negotiated = negotiated;
        this.writer = writer;
        this.buffers = buffers;
        this.credit = connection.credit();
        this.stats = stats;
        this.connection = connection;
        this.observer = session.observer();
    }

    /**
     * Runs one piece of a WRITE on the export's executor; the worker that finishes the request
     * queues its reply. {@code piece} is a shared-budget buffer, released here.
     */
    void dispatchPiece(PiecedWrite w, long offset, ByteBuffer piece, boolean fua) {
        Runnable job = () -> {
            try {
                session.write(offset, piece, fua);
            } catch (NbdException e) {
                w.onPieceFailed(e.errno(), e.detail());
            } catch (IOException e) {
                log.warn("{}: {} on {} failed: {}", peer, w.request().describe(), session.name(), e.toString());
                w.onPieceFailed(EIO, e.getMessage() == null ? e.toString() : e.getMessage());
            } catch (RuntimeException e) {
                log.error("{}: {} on {} hit a bug", peer, w.request().describe(), session.name(), e);
                w.onPieceFailed(EIO, "internal error: " + e);
            } finally {
                buffers.release(piece);
            }
            if (w.onPieceDone()) {
                writer.send(finished(w));
            }
        };
        try {
            session.executor().execute(job);
        } catch (RejectedExecutionException e) {
            buffers.release(piece);
            w.onPieceFailed(ESHUTDOWN, "the server is shutting down");
            w.onPieceDone(); // the reader still holds its own count: it answers
        }
    }

    /** The reply to a pieced WRITE whose last piece is done. */
    Reply finished(PiecedWrite w) {
        if (w.failed()) {
            stats.onError();
        }
        return observed(w.request(), w.reply());
    }

    /** Runs a READ on a worker; always returns its reply (never throws). */
    Reply executeRead(Request r, ByteBuffer payload) {
        Reply reply = execute(r, () -> {
            session.read(r.offset() + payload.position() - BufferPool.HEADROOM, payload);
            return new Reply.Data(r.handle(), r.offset(), payload.position(BufferPool.HEADROOM));
        });
        if (reply instanceof Reply.Failed) {
            credit.give(payload);
        }
        return reply;
    }

    private interface Work {
        Reply run() throws IOException;
    }

    /** Runs a command without payload on a worker; always returns its reply (never throws). */
    Reply execute(Request r) {
        boolean fua = r.has(CMD_FLAG_FUA);
        return execute(r, () -> {
            switch (r.type()) {
                case CMD_FLUSH -> session.flush();
                case CMD_TRIM -> session.trim(r.offset(), r.length(), fua);
                case CMD_WRITE_ZEROES -> session.writeZeroes(r.offset(), r.length(), !r.has(CMD_FLAG_NO_HOLE), fua);
                case CMD_BLOCK_STATUS -> {
                    return blockStatus(r);
                }
                default -> throw new IllegalStateException("unchecked command " + r.type());
            }
            return new Reply.Done(r.handle());
        });
    }

    private Reply execute(Request r, Work work) {
        try {
            return work.run();
        } catch (NbdException e) {
            return failed(r, e.errno(), e.detail(), e);
        } catch (IOException e) {
            log.warn("{}: {} on {} failed: {}", peer, r.describe(), session.name(), e.toString());
            return failed(r, EIO, e.getMessage() == null ? e.toString() : e.getMessage(), e);
        } catch (RuntimeException e) {
            log.error("{}: {} on {} hit a bug", peer, r.describe(), session.name(), e);
            return failed(r, EIO, "internal error: " + e, e);
        }
    }

    // For LargeRead: its replies go out through this connection's writer and observer.

    void send(Reply reply) {
        writer.send(reply);
    }

    boolean structured() {
        return negotiated.structuredReplies();
    }

    void releaseData(ByteBuffer buffer) {
        credit.give(buffer);
    }

    void hangUp(String why) {
        log.warn("{}: {}; disconnecting", peer, why);
        connection.close();
    }

    /**
     * Tells the observer that {@code r} is answered with {@code reply}; returns the reply. An
     * observer that throws (it must not) costs a count, never the reply: a lost reply would hang
     * the client.
     */
    Reply observed(Request r, Reply reply) {
        try {
            observer.onReply(
                    r.type(),
                    r.length(),
                    System.nanoTime() - r.startNanos(),
                    reply instanceof Reply.Failed f ? f.errno() : 0);
        } catch (RuntimeException e) {
            log.error("{}: the request observer of {} failed on {}", peer, session.name(), r.describe(), e);
        }
        return reply;
    }

    Reply failed(Request r, int errno, String message, Exception cause) {
        stats.onError();
        log.debug("{}: {} failed: {}", peer, r.describe(), cause.toString());
        return new Reply.Failed(r.handle(), errno, message);
    }

    private Reply blockStatus(Request r) throws IOException {
        int max = r.has(CMD_FLAG_REQ_ONE) ? 1 : MAX_STATUS_DESCRIPTORS;
        List<BlockStatus> status = session.blockStatus(r.offset(), r.length(), max);
        if (status.isEmpty() || status.size() > max) {
            throw new IllegalStateException("export answered block status with " + status.size() + " descriptors");
        }
        return new Reply.Status(r.handle(), negotiated.metaContextId(), status);
    }
}
