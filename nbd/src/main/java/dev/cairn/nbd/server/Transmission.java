package dev.cairn.nbd.server;

import static dev.cairn.nbd.NbdProtocol.*;

import dev.cairn.nbd.NbdException;
import dev.cairn.nbd.internal.WireReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transmission phase of one connection, on its reader thread: read requests, check them
 * ({@link RequestRules}), and run each one.
 *
 * <p>Where a request runs decides latency. What the export can do without waiting for its device
 * (a READ from memory, sent from a view of it, {@link ExportSession#residentView}, or copied from
 * it, {@link ExportSession#tryRead}; a WRITE into the page cache, {@link ExportSession#tryWrite})
 * the reader does itself: no hand-over between threads, so queue depth 1 is a single-thread round
 * trip and deep queues are answered in batches. Everything that may wait (cache misses, FUA,
 * flush, trim, writes the page cache does not take at once) goes to the export's executor, so
 * requests run in parallel and a slow one never holds up the others: replies leave as requests
 * complete. The reader's own replies are written in one batch just before it would block.
 *
 * <p>Memory a client could pin by stalling is its own: a WRITE's payload is taken in pieces of at
 * most the input buffer ({@link PiecedWrite}), each applied once it has arrived, so nothing is
 * reserved for bytes not yet sent; READ data comes out of the connection's {@link ReplyCredit}.
 * Only a piece handed to a worker takes memory from the server's shared budget, and the export
 * gives that back in device time.
 */
final class Transmission {
    private static final Logger log = LoggerFactory.getLogger(Transmission.class);
    private static final int MAX_LOCAL_REPLIES = 64;
    /** Pieces of a payload are whole pages, so a sub-write never rewrites part of a page. */
    private static final int PAGE_BYTES = 4096;
    /** A payload's bytes already buffered go as a piece of their own when there are this many. */
    private static final int MIN_PIECE_BYTES = 64 * 1024;

    private final String peer;
    private final ExportSession session;
    private final Negotiated negotiated;
    private final WireReader in;
    private final ReplyWriter writer;
    private final BufferPool buffers;
    private final ReplyCredit credit;
    private final ServerStats stats;
    private final Semaphore inFlight;
    private final StallWatch stall;
    private final RequestExecution execution;
    /**
     * Set when a request that failed on this thread has passed its permit on all the same (to the
     * pieces of a write still running): the request loop must not give it back.
     */
    private boolean permitPassedOn;
    /** Replies the reader produced itself, written before it next blocks. */
    private final List<Reply> local = new ArrayList<>();

    Transmission(
            String peer,
            Negotiated negotiated,
            WireReader in,
            ReplyWriter writer,
            NbdServer server,
            Connection connection) {
        this.peer = peer;
        this.session = negotiated.session();
        this.negotiated = negotiated;
        this.in = in;
        this.writer = writer;
        this.buffers = server.buffers();
        this.stats = server.stats();
        this.credit = connection.credit();
        this.inFlight = connection.inFlight();
        this.stall = connection.readerStall();
        this.execution = new RequestExecution(negotiated, writer, buffers, stats, connection);
    }

    /**
     * Serves requests until the client leaves. True when the session ends cleanly (NBD_CMD_DISC, or
     * a request the server answers and then hangs up on): replies in flight are still sent.
     */
    boolean run() throws IOException, InterruptedException {
        try {
            return loop();
        } finally {
            flushLocal();
        }
    }

    private boolean loop() throws IOException, InterruptedException {
        while (true) {
            if (in.buffered() < Request.HEADER_BYTES) {
                flushLocal();
                in.require(1); // waiting for the next request: an idle client is no stalled one
                if (in.buffered() < Request.HEADER_BYTES) {
                    awaited(() -> in.require(Request.HEADER_BYTES)); // a header begun must be finished
                }
            }
            long start = System.nanoTime();
            int magic = in.readInt();
            int flags = in.readUnsignedShort();
            int type = in.readUnsignedShort();
            Request r =
                    new Request(flags, type, in.readLong(), in.readLong(), Integer.toUnsignedLong(in.readInt()), start);
            if (magic != REQUEST_MAGIC) {
                log.warn(
                        "{}: request without the request magic (0x{}); disconnecting",
                        peer,
                        Integer.toHexString(magic));
                return false;
            }
            if (type == CMD_DISC) {
                log.debug("{}: client disconnected", peer);
                return true;
            }
            stats.onRequest(type, r.length());
            acquirePermit();
            // From here until a reply is queued or the request handed to a worker, this thread owns
            // the permit (and any buffer): on failure it gives them back.
            boolean handedOff = false;
            try {
                RequestRules.Verdict verdict =
                        RequestRules.check(r, session.sizeBytes(), session.features(), negotiated);
                if (verdict instanceof RequestRules.Verdict.Refuse(int errno, String message, boolean hangsUp)) {
                    stats.onError();
                    local.add(observed(r, new Reply.Failed(r.handle(), errno, message)));
                    handedOff = true;
                    if (hangsUp) {
                        log.warn("{}: {}; disconnecting once the replies are out", peer, message);
                        return true;
                    }
                    if (type == CMD_WRITE) {
                        awaited(() -> in.skip(r.length()));
                    }
                    continue;
                }
                handedOff = handle(r);
            } finally {
                if (!handedOff && !permitPassedOn) {
                    inFlight.release();
                }
                permitPassedOn = false;
            }
        }
    }

    private interface Wait {
        void run() throws IOException;
    }

    /** Waits for the client's bytes under the server's stall deadline. */
    private void awaited(Wait wait) throws IOException {
        stall.start(System.nanoTime());
        try {
            wait.run();
        } finally {
            stall.stop();
        }
    }

    /**
     * Runs or dispatches a checked request. True once its permit is handed on (to a reply or a
     * worker); false when the request's permit is still the caller's.
     */
    private boolean handle(Request r) throws IOException, InterruptedException {
        switch (r.type()) {
            case CMD_WRITE -> {
                if (!r.has(CMD_FLAG_FUA) && tryWriteFromInput(r)) {
                    return true;
                }
                write(r);
            }
            case CMD_READ -> read(r);
            default -> dispatch(r, () -> execution.execute(r));
        }
        return true;
    }

    /**
     * Answers a plain WRITE whose payload is already in the input buffer straight from there, if
     * the export can take it without waiting: no payload buffer, no copy, no piece bookkeeping.
     */
    private boolean tryWriteFromInput(Request r) throws IOException {
        ByteBuffer view = in.peek((int) r.length());
        if (view == null) {
            return false;
        }
        try {
            if (!session.tryWrite(r.offset(), view)) {
                return false;
            }
            local.add(observed(r, new Reply.Done(r.handle())));
        } catch (NbdException e) {
            local.add(observed(r, failed(r, e.errno(), e.detail(), e)));
        } catch (IOException e) {
            local.add(observed(r, failed(r, EIO, String.valueOf(e.getMessage()), e)));
        }
        in.skip(r.length());
        return true;
    }

    /**
     * Takes a WRITE's payload in pieces of at most the input buffer, each applied as soon as it is
     * in: into the page cache by this thread if the export takes it at once, else copied into a
     * shared-budget buffer for a worker. A piece after a failed one is read and dropped.
     */
    private void write(Request r) throws IOException, InterruptedException {
        PiecedWrite w = new PiecedWrite(r);
        boolean fua = r.has(CMD_FLAG_FUA);
        stall.start(System.nanoTime());
        try {
            takePieces(r, w, fua);
        } catch (IOException | InterruptedException | RuntimeException e) {
            // The payload ended early. Pieces already on workers keep the request's permit until
            // they are done, so the connection ends only after them: nothing of it may land after
            // the client is gone (and perhaps back, writing newer data there).
            w.onPieceFailed(EIO, "the payload was not received whole");
            permitPassedOn = !w.onPieceDone();
            throw e;
        } finally {
            stall.stop();
        }
        if (w.onPieceDone()) {
            local.add(execution.finished(w));
        }
    }

    private void takePieces(Request r, PiecedWrite w, boolean fua) throws IOException, InterruptedException {
        for (long done = 0; done < r.length(); ) {
            int n = nextPiece(r.length() - done);
            long at = r.offset() + done;
            if (!w.failed() && (fua || !tryWritePiece(w, at, in.peek(n)))) {
                ByteBuffer piece = acquireShared(n);
                piece.put(in.peek(n)).position(BufferPool.HEADROOM);
                w.onPieceIssued();
                execution.dispatchPiece(w, at, piece, fua);
            }
            in.skip(n);
            done += n;
        }
    }

    /**
     * Makes the next piece of a payload with {@code left} bytes to come available in the input
     * buffer; returns its size. What is already buffered goes as it is, in whole pages (but for the
     * payload's end), if that is at least {@link #MIN_PIECE_BYTES}: no copy within the buffer.
     * Otherwise the buffer is filled to exactly one piece, so that none of the next piece is read
     * with it and then moved.
     */
    private int nextPiece(long left) throws IOException {
        int n = (int) Math.min(in.buffered(), left);
        if (n < left) {
            n &= -PAGE_BYTES;
        }
        if (n >= Math.min(left, MIN_PIECE_BYTES)) {
            return n;
        }
        flushLocal();
        n = (int) Math.min(Connection.READ_BUFFER_BYTES, left);
        in.requireExactly(n);
        return n;
    }

    /** One piece into the page cache, if the export takes it without waiting. */
    private boolean tryWritePiece(PiecedWrite w, long offset, ByteBuffer piece) {
        try {
            return session.tryWrite(offset, piece);
        } catch (NbdException e) {
            w.onPieceFailed(e.errno(), e.detail());
        } catch (IOException e) {
            w.onPieceFailed(EIO, String.valueOf(e.getMessage()));
        }
        return true;
    }

    /**
     * A READ: from a view of the export's memory if it is all there; else into a buffer of this
     * connection's credit, copied at once if the data is at hand, otherwise by a worker. A READ
     * larger than a piece goes out piece by piece ({@link LargeRead}).
     */
    private void read(Request r) throws InterruptedException {
        if (r.length() > 0 && replyFromMemory(r)) {
            return;
        }
        if (r.length() > LargeRead.PIECE_BYTES) {
            new LargeRead(r, session, execution, takeCredit(LargeRead.PIECE_BYTES)).start();
            return;
        }
        ByteBuffer payload = takeCredit((int) r.length());
        if (!tryReadNow(r, payload) && !dispatch(r, () -> execution.executeRead(r, payload))) {
            credit.give(payload);
        }
    }

    /** Answers a READ with a view of the export's memory, if all its data is there: no copy at all. */
    private boolean replyFromMemory(Request r) {
        try {
            Optional<ByteBuffer> view = session.residentView(r.offset(), (int) r.length());
            if (view.isPresent()) {
                local.add(observed(r, new Reply.View(r.handle(), r.offset(), view.get())));
                return true;
            }
        } catch (IOException e) {
            log.debug("{}: no view of {}, reading it instead: {}", peer, r.describe(), e.toString());
        }
        return false;
    }

    /** Answers a READ from data at hand; false (having read a prefix, maybe) when it would block. */
    private boolean tryReadNow(Request r, ByteBuffer payload) {
        try {
            if (session.tryRead(r.offset(), payload)) {
                local.add(observed(r, new Reply.Data(r.handle(), r.offset(), payload.position(BufferPool.HEADROOM))));
                return true;
            }
        } catch (IOException e) {
            log.debug("{}: non-blocking read failed, retrying on a worker: {}", peer, e.toString());
        }
        return false;
    }

    private void acquirePermit() throws InterruptedException {
        if (!inFlight.tryAcquire()) {
            flushLocal();
            inFlight.acquire();
        }
    }

    /**
     * A buffer of the shared budget; waits (replies written first) while it is spent, the payload's
     * stall clock stopped meanwhile: that wait is the export's, not the client's.
     */
    private ByteBuffer acquireShared(int bytes) throws InterruptedException {
        ByteBuffer b = buffers.tryAcquire(bytes);
        if (b == null) {
            flushLocal();
            stall.pause(System.nanoTime());
            try {
                b = buffers.acquire(bytes);
            } finally {
                stall.resume(System.nanoTime());
            }
        }
        return b;
    }

    /** A buffer of this connection's reply credit; waits (replies written first) while it is spent. */
    private ByteBuffer takeCredit(int bytes) throws InterruptedException {
        ByteBuffer b = credit.tryTake(bytes);
        if (b == null) {
            flushLocal();
            b = credit.take(bytes);
        }
        return b;
    }

    private void flushLocal() {
        if (!local.isEmpty()) {
            writer.writeNow(local);
            local.clear();
        }
    }

    /**
     * Hands a request to the export's executor; {@code run} produces its reply and never throws.
     * False when the executor refused it (the server is shutting down): it is answered so.
     */
    private boolean dispatch(Request r, Supplier<Reply> run) {
        if (local.size() >= MAX_LOCAL_REPLIES) {
            flushLocal();
        }
        try {
            session.executor().execute(() -> writer.send(execution.observed(r, run.get())));
            return true;
        } catch (RejectedExecutionException e) {
            local.add(observed(r, new Reply.Failed(r.handle(), ESHUTDOWN, "the server is shutting down")));
            return false;
        }
    }

    private Reply observed(Request r, Reply reply) {
        return execution.observed(r, reply);
    }

    private Reply failed(Request r, int errno, String message, Exception cause) {
        return execution.failed(r, errno, message, cause);
    }
}
