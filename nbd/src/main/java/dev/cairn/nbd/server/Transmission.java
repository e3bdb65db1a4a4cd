package dev.cairn.nbd.server;

import static dev.cairn.nbd.NbdProtocol.*;

import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.NbdException;
import dev.cairn.nbd.internal.WireReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transmission phase of one connection, on its reader thread: read requests, check them
 * ({@link RequestRules}), and run each one.
 *
 * <p>Where a request runs decides latency. What the export can do without waiting for its device
 * (a READ from memory, sent from a view of it, {@link ExportSession#residentView}, or copied from
 * it, {@link ExportSession#tryRead}; a small WRITE into the page cache, {@link
 * ExportSession#tryWrite}) the reader does itself: no hand-over between threads, so queue depth 1
 * is a single-thread round trip and deep queues are answered in batches. Everything that may wait
 * (cache misses, FUA, flush, trim, large writes) goes to the export's executor, so requests run
 * in parallel and a slow one never holds up the others: replies leave as requests complete. The
 * reader's own replies are written in one batch just before it would block for the next request.
 */
final class Transmission {
    private static final Logger log = LoggerFactory.getLogger(Transmission.class);
    private static final int MAX_STATUS_DESCRIPTORS = 512;
    private static final int MAX_LOCAL_REPLIES = 64;
    /**
     * Larger writes go to workers even when the export could take them at once. Up to this size the
     * reader copies the payload into the page cache itself, while it is still in this core's cache,
     * and saves two hand-overs (to a worker, to the reply writer): a node taking 1 MiB writes used
     * 25-35% less CPU per byte than with workers at 256 KiB (bench/replicated-vs-single.sh).
     */
    private static final int MAX_INLINE_WRITE_BYTES = 1024 * 1024;

    /** Reading ahead stops for the header after a write payload this large. */
    private static final int LARGE_PAYLOAD_BYTES = 64 * 1024;

    private static final int READ_AHEAD_BYTES = 256 * 1024;

    private final String peer;
    private final ExportSession session;
    private final Negotiated negotiated;
    private final WireReader in;
    private final ReplyWriter writer;
    private final BufferPool buffers;
    private final ServerStats stats;
    private final Semaphore inFlight;
    private final PayloadWatch payloadWatch;
    private final RequestObserver observer;
    /** Replies the reader produced itself, written before it next blocks. */
    private final List<Reply> local = new ArrayList<>();

    Transmission(
            String peer,
            Negotiated negotiated,
            WireReader in,
            ReplyWriter writer,
            NbdServer server,
            Semaphore inFlight,
            PayloadWatch payloadWatch) {
        this.peer = peer;
        this.session = negotiated.session();
        this.negotiated = negotiated;
        this.in = in;
        this.writer = writer;
        this.buffers = server.buffers();
        this.stats = server.stats();
        this.inFlight = inFlight;
        this.payloadWatch = payloadWatch;
        this.observer = session.observer();
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
            }
            in.require(Request.HEADER_BYTES);
            long start = System.nanoTime();
            int magic = in.readInt();
            int flags = in.readUnsignedShort();
            int type = in.readUnsignedShort();
            Request r =
                    new Request(flags, type, in.readLong(), in.readLong(), Integer.toUnsignedLong(in.readInt()), start);
            // after a large write, fetch just the next header: its payload goes straight to its buffer
            in.setReadAhead(
                    type == CMD_WRITE && r.length() > LARGE_PAYLOAD_BYTES ? Request.HEADER_BYTES : READ_AHEAD_BYTES);
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
                if (verdict instanceof RequestRules.Verdict.Refuse(int errno, String message, boolean hangUp)) {
                    stats.onError();
                    local.add(observed(r, new Reply.Failed(r.handle(), errno, message)));
                    handedOff = true;
                    if (hangUp) {
                        log.warn("{}: {}; disconnecting once the replies are out", peer, message);
                        return true;
                    }
                    if (type == CMD_WRITE) {
                        readPayload(() -> in.skip(r.length()));
                    }
                    continue;
                }
                handle(r);
                handedOff = true;
            } finally {
                if (!handedOff) {
                    inFlight.release();
                }
            }
        }
    }

    private interface PayloadRead {
        void run() throws IOException;
    }

    /** Reads (or skips) a request's payload under the server's payload deadline. */
    private void readPayload(PayloadRead read) throws IOException {
        payloadWatch.start(System.nanoTime());
        try {
            read.run();
        } finally {
            payloadWatch.stop();
        }
    }

    /** Runs or dispatches a checked request; on an exception it has released its buffer. */
    private void handle(Request r) throws IOException, InterruptedException {
        if (r.type() == CMD_WRITE && tryWriteFromInput(r)) {
            return;
        }
        if (r.type() == CMD_READ && r.length() > 0 && replyFromMemory(r)) {
            return;
        }
        ByteBuffer payload = null;
        if (r.type() == CMD_READ || r.type() == CMD_WRITE) {
            payload = acquireBuffer((int) r.length());
            if (r.type() == CMD_WRITE) {
                ByteBuffer dst = payload;
                try {
                    readPayload(() -> in.readFully(dst));
                } catch (IOException e) {
                    buffers.release(payload);
                    throw e;
                }
                payload.position(BufferPool.HEADROOM);
                if (tryWriteNow(r, payload, payload)) {
                    return;
                }
            } else if (tryReadNow(r, payload)) {
                return;
            }
        }
        dispatch(r, payload);
    }

    /**
     * Answers a small plain WRITE whose payload is already in the input buffer straight from there,
     * if the export can take it without waiting: no payload buffer, no copy.
     */
    private boolean tryWriteFromInput(Request r) throws IOException {
        if (r.has(CMD_FLAG_FUA) || r.length() > MAX_INLINE_WRITE_BYTES) {
            return false;
        }
        ByteBuffer view = in.peek((int) r.length());
        if (view == null || !tryWriteNow(r, view, null)) {
            return false;
        }
        in.skip(r.length());
        return true;
    }

    /**
     * Answers a small plain WRITE if the export can take it without waiting; releases {@code
     * owned} (the payload's pool buffer, if any) when it does.
     */
    private boolean tryWriteNow(Request r, ByteBuffer payload, ByteBuffer owned) {
        if (r.has(CMD_FLAG_FUA) || r.length() > MAX_INLINE_WRITE_BYTES) {
            return false;
        }
        try {
            if (!session.tryWrite(r.offset(), payload)) {
                return false;
            }
            local.add(observed(r, new Reply.Done(r.handle())));
        } catch (NbdException e) {
            local.add(observed(r, failed(r, null, e.errno(), e.detail(), e)));
        } catch (IOException e) {
            local.add(observed(r, failed(r, null, EIO, String.valueOf(e.getMessage()), e)));
        }
        if (owned != null) {
            buffers.release(owned);
        }
        return true;
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
                local.add(observed(r, new Reply.Data(r.handle(), r.offset(), payload)));
                return true;
            }
        } catch (IOException e) {
            log.debug("{}: non-blocking read failed, retrying on a worker: {}", peer, e.toString());
        }
        return false;
    }

    private void acquirePermit() throws IOException, InterruptedException {
        if (!inFlight.tryAcquire()) {
            flushLocal();
            inFlight.acquire();
        }
    }

    private ByteBuffer acquireBuffer(int bytes) throws InterruptedException {
        ByteBuffer b = buffers.tryAcquire(bytes);
        if (b == null) {
            flushLocal();
            b = buffers.acquire(bytes);
        }
        return b;
    }

    private void flushLocal() {
        if (!local.isEmpty()) {
            writer.writeNow(local);
            local.clear();
        }
    }

    private void dispatch(Request r, ByteBuffer payload) {
        if (local.size() >= MAX_LOCAL_REPLIES) {
            flushLocal();
        }
        try {
            session.executor().execute(() -> writer.send(observed(r, execute(r, payload))));
        } catch (RejectedExecutionException e) {
            if (payload != null) {
                buffers.release(payload);
            }
            local.add(observed(r, new Reply.Failed(r.handle(), ESHUTDOWN, "the server is shutting down")));
        }
    }

    /** Runs one request; always returns its reply (never throws). */
    private Reply execute(Request r, ByteBuffer payload) {
        boolean fua = r.has(CMD_FLAG_FUA);
        try {
            switch (r.type()) {
                case CMD_READ -> {
                    session.read(r.offset() + payload.position() - BufferPool.HEADROOM, payload);
                    return new Reply.Data(r.handle(), r.offset(), payload);
                }
                case CMD_WRITE -> {
                    session.write(r.offset(), payload, fua);
                    buffers.release(payload);
                }
                case CMD_FLUSH -> session.flush();
                case CMD_TRIM -> session.trim(r.offset(), r.length(), fua);
                case CMD_WRITE_ZEROES -> session.writeZeroes(r.offset(), r.length(), !r.has(CMD_FLAG_NO_HOLE), fua);
                case CMD_BLOCK_STATUS -> {
                    return blockStatus(r);
                }
                default -> throw new IllegalStateException("unchecked command " + r.type());
            }
            return new Reply.Done(r.handle());
        } catch (NbdException e) {
            return failed(r, payload, e.errno(), e.detail(), e);
        } catch (IOException e) {
            log.warn("{}: {} on {} failed: {}", peer, r.describe(), session.name(), e.toString());
            return failed(r, payload, EIO, e.getMessage() == null ? e.toString() : e.getMessage(), e);
        } catch (RuntimeException e) {
            log.error("{}: {} on {} hit a bug", peer, r.describe(), session.name(), e);
            return failed(r, payload, EIO, "internal error: " + e, e);
        }
    }

    /**
     * Tells the observer that {@code r} is answered with {@code reply}; returns the reply. An
     * observer that throws (it must not) costs a count, never the reply: a lost reply would hang
     * the client.
     */
    private Reply observed(Request r, Reply reply) {
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

    private Reply failed(Request r, ByteBuffer payload, int errno, String message, Exception cause) {
        if (payload != null) {
            buffers.release(payload);
        }
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
