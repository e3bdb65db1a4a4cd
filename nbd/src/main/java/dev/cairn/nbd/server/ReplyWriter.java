package dev.cairn.nbd.server;

import static dev.cairn.nbd.NbdProtocol.REPLY_FLAG_DONE;
import static dev.cairn.nbd.NbdProtocol.REPLY_TYPE_BLOCK_STATUS;
import static dev.cairn.nbd.NbdProtocol.REPLY_TYPE_ERROR;
import static dev.cairn.nbd.NbdProtocol.REPLY_TYPE_NONE;
import static dev.cairn.nbd.NbdProtocol.REPLY_TYPE_OFFSET_DATA;
import static dev.cairn.nbd.NbdProtocol.SIMPLE_REPLY_MAGIC;
import static dev.cairn.nbd.NbdProtocol.STRUCTURED_REPLY_MAGIC;

import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.NbdProtocol;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes a connection's replies. Workers hand replies over through a queue; the writer thread (a
 * virtual thread) takes every reply that is ready, encodes the headers and sends the lot with one
 * gathering write (read data goes out of its own buffer, its header written into the buffer's
 * headroom, or straight out of the export's memory). A client that stops reading blocks nothing
 * but this connection's threads: workers never write to the socket. The connection's reader may
 * also write replies it produced itself ({@link #writeNow}); a lock keeps the two writers apart.
 * While a socket write waits for the client, the connection's writer {@link StallWatch} runs, so
 * the server cuts a client that takes no reply bytes for its stall timeout.
 *
 * <p>It ends when its thread is interrupted, which the connection does only once every reply has
 * come back (all in-flight permits returned): the writer is then idle in {@code take()} and the
 * interrupt cannot hit a socket write.
 *
 * <p>Replies leave in the order they complete, not the order requests came in, except that with
 * simple replies nothing may come between the pieces of a {@link LargeRead}: replies that complete
 * meanwhile wait in {@link #deferred}. Every reply gives back its in-flight permit and its buffer
 * once written, or once dropped after the connection broke; a piece that is not the last starts
 * the reading of the next instead.
 */
final class ReplyWriter implements Runnable {
    private static final int MAX_BATCH = 64;
    private static final int MAX_IOV = 128;
    /** What the scratch buffer (reply headers, error messages) takes from the pool. */
    static final int SCRATCH_BYTES = 64 * 1024;

    private final GatheringByteChannel channel;
    private final boolean structured;
    private final ReplyCredit credit;
    private final Semaphore inFlight;
    private final Runnable onBroken;
    private final StallWatch stall;
    private final LinkedTransferQueue<Reply> queue = new LinkedTransferQueue<>();
    private final ByteBuffer scratch;
    private final ByteBuffer[] iov = new ByteBuffer[MAX_IOV];
    private int iovCount;
    private int scratchMark;
    /** Serializes socket writes between this thread and the reader's {@link #writeNow}. */
    private final ReentrantLock lock = new ReentrantLock();
    /** Written under {@link #lock}; read without it only to decide whether a read goes on. */
    private volatile boolean broken;
    /** Simple replies only: the large read whose pieces are going out. Guarded by {@link #lock}. */
    private LargeRead streaming;
    /** Replies held back while {@link #streaming} is open. Guarded by {@link #lock}. */
    private final List<Reply> deferred = new ArrayList<>();

    ReplyWriter(
            GatheringByteChannel channel,
            boolean structured,
            ReplyCredit credit,
            Semaphore inFlight,
            ByteBuffer scratch,
            StallWatch stall,
            Runnable onBroken) {
        this.channel = channel;
        this.structured = structured;
        this.credit = credit;
        this.inFlight = inFlight;
        this.scratch = scratch.clear().slice();
        this.stall = stall;
        this.onBroken = onBroken;
    }

    /** Queues a reply for the writer thread; any thread, never blocks. */
    void send(Reply reply) {
        queue.add(reply);
    }

    /**
     * Writes replies now on the calling thread, which may block: the connection's reader uses it
     * for requests it answered itself, saving the hand-over to the writer thread.
     */
    void writeNow(List<Reply> replies) {
        List<Reply> written;
        List<Reply> dropped;
        lock.lock();
        try {
            written = admit(replies);
            dropped = writeOrBreak(written);
        } finally {
            lock.unlock();
        }
        written.forEach(this::release);
        dropped.forEach(this::release);
    }

    /**
     * What of {@code replies} may go out now; the rest joins {@link #deferred}. With structured
     * replies, or when no large read is streaming under simple replies, that is all of them.
     */
    private List<Reply> admit(List<Reply> replies) {
        if (structured || broken || (streaming == null && !hasPiece(replies))) {
            return replies;
        }
        List<Reply> now = new ArrayList<>(replies.size());
        for (Reply r : replies) {
            if (streaming == null && r instanceof Reply.Piece p && !p.last()) {
                streaming = p.read();
                now.add(r);
            } else if (streaming == null || (r instanceof Reply.Piece p && p.read() == streaming)) {
                if (r instanceof Reply.Piece p && p.last()) {
                    streaming = null;
                }
                now.add(r);
            } else {
                deferred.add(r);
            }
        }
        return now;
    }

    private static boolean hasPiece(List<Reply> replies) {
        for (Reply r : replies) {
            if (r instanceof Reply.Piece) {
                return true;
            }
        }
        return false;
    }

    /** Writes, or drops once broken; returns the deferred replies a break leaves to release. */
    private List<Reply> writeOrBreak(List<Reply> replies) {
        if (!broken) {
            try {
                writeAll(replies);
                return List.of();
            } catch (IOException | RuntimeException e) {
                broken = true;
                onBroken.run();
            }
        }
        List<Reply> dropped = new ArrayList<>(deferred);
        deferred.clear();
        streaming = null;
        return dropped;
    }

    @Override
    public void run() {
        List<Reply> batch = new ArrayList<>(MAX_BATCH);
        while (true) {
            lock.lock();
            try {
                if (streaming == null && !deferred.isEmpty()) {
                    batch.addAll(deferred);
                    deferred.clear();
                }
            } finally {
                lock.unlock();
            }
            if (batch.isEmpty()) {
                try {
                    batch.add(queue.take());
                } catch (InterruptedException e) {
                    break;
                }
            }
            queue.drainTo(batch, Math.max(0, MAX_BATCH - batch.size()));
            List<Reply> written;
            List<Reply> dropped;
            lock.lock();
            try {
                written = admit(batch);
                dropped = writeOrBreak(written);
            } finally {
                lock.unlock();
            }
            written.forEach(this::release);
            dropped.forEach(this::release);
            batch.clear();
        }
        List<Reply> left = new ArrayList<>();
        queue.drainTo(left);
        lock.lock();
        try {
            left.addAll(deferred);
            deferred.clear();
        } finally {
            lock.unlock();
        }
        left.forEach(this::release);
    }

    private void release(Reply reply) {
        switch (reply) {
            case Reply.Data data -> credit.give(data.buffer());
            case Reply.Piece piece -> {
                if (!piece.last() && !broken) {
                    piece.read().onPieceSent(); // the request goes on: it keeps its permit
                    return;
                }
                piece.read().end();
            }
            default -> {}
        }
        inFlight.release();
    }

    private void writeAll(List<Reply> batch) throws IOException {
        scratch.clear();
        scratchMark = 0;
        iovCount = 0;
        for (Reply r : batch) {
            if (scratch.remaining() < 64 + NbdProtocol.MAX_STRING_BYTES + 8 * 1024 || iovCount >= MAX_IOV - 2) {
                flush();
            }
            encode(r);
        }
        flush();
    }

    private void encode(Reply r) {
        switch (r) {
            case Reply.Done d -> {
                scratch.putInt(SIMPLE_REPLY_MAGIC).putInt(0).putLong(d.handle());
            }
            case Reply.Failed f -> encodeError(f);
            case Reply.Data d -> encodeData(d);
            case Reply.Piece p -> encodePiece(p);
            case Reply.View v -> {
                if (structured) {
                    chunkHeader(REPLY_TYPE_OFFSET_DATA, v.handle(), 8 + v.data().remaining());
                    scratch.putLong(v.offset());
                } else {
                    scratch.putInt(SIMPLE_REPLY_MAGIC).putInt(0).putLong(v.handle());
                }
                cutScratch();
                iov[iovCount++] = v.data().duplicate();
            }
            case Reply.Status s -> {
                chunkHeader(
                        REPLY_TYPE_BLOCK_STATUS,
                        s.handle(),
                        4 + 8 * s.descriptors().size());
                scratch.putInt(s.contextId());
                for (BlockStatus b : s.descriptors()) {
                    scratch.putInt((int) b.length()).putInt(b.flags());
                }
            }
        }
    }

    private void encodeError(Reply.Failed f) {
        if (!structured) {
            scratch.putInt(SIMPLE_REPLY_MAGIC).putInt(f.errno()).putLong(f.handle());
            return;
        }
        byte[] message = f.message().getBytes(StandardCharsets.UTF_8);
        int length = Math.min(message.length, NbdProtocol.MAX_STRING_BYTES);
        chunkHeader(REPLY_TYPE_ERROR, f.handle(), 6 + length);
        scratch.putInt(f.errno()).putShort((short) length).put(message, 0, length);
    }

    private void encodeData(Reply.Data d) {
        if (structured && d.buffer().limit() == BufferPool.HEADROOM) {
            chunkHeader(REPLY_TYPE_NONE, d.handle(), 0);
            return;
        }
        encodeInHeadroom(d.buffer(), d.handle(), d.offset(), true, true);
    }

    private void encodePiece(Reply.Piece p) {
        encodeInHeadroom(p.data(), p.handle(), p.offset(), p.first(), p.last());
    }

    /**
     * Writes the header of read data into its buffer's headroom, and queues header and data as one
     * iovec: a structured chunk ({@code done} when it is the reply's last), or a simple reply's
     * header when {@code first} (later pieces of a simple reply are bare data).
     */
    private void encodeInHeadroom(ByteBuffer b, long handle, long offset, boolean first, boolean done) {
        int dataBytes = b.limit() - BufferPool.HEADROOM;
        int start;
        if (structured) {
            start = BufferPool.HEADROOM - 28;
            b.putInt(start, STRUCTURED_REPLY_MAGIC)
                    .putShort(start + 4, (short) (done ? REPLY_FLAG_DONE : 0))
                    .putShort(start + 6, (short) REPLY_TYPE_OFFSET_DATA)
                    .putLong(start + 8, handle)
                    .putInt(start + 16, 8 + dataBytes)
                    .putLong(start + 20, offset);
        } else if (first) {
            start = BufferPool.HEADROOM - 16;
            b.putInt(start, SIMPLE_REPLY_MAGIC).putInt(start + 4, 0).putLong(start + 8, handle);
        } else {
            start = BufferPool.HEADROOM;
        }
        cutScratch();
        iov[iovCount++] = b.duplicate().position(start);
    }

    private void chunkHeader(int type, long handle, int length) {
        scratch.putInt(STRUCTURED_REPLY_MAGIC)
                .putShort((short) REPLY_FLAG_DONE)
                .putShort((short) type)
                .putLong(handle)
                .putInt(length);
    }

    /** Ends the current run of scratch bytes as one iovec entry. */
    private void cutScratch() {
        if (scratch.position() > scratchMark) {
            iov[iovCount++] = scratch.slice(scratchMark, scratch.position() - scratchMark);
            scratchMark = scratch.position();
        }
    }

    private void flush() throws IOException {
        cutScratch();
        int first = 0;
        try {
            while (first < iovCount) {
                channel.write(iov, first, iovCount - first);
                while (first < iovCount && !iov[first].hasRemaining()) {
                    iov[first++] = null;
                }
                if (first < iovCount && !stall.waiting()) {
                    // the socket did not take it all: the client is slow to read, or not reading
                    stall.start(System.nanoTime());
                }
            }
        } finally {
            if (stall.waiting()) {
                stall.stop();
            }
        }
        iovCount = 0;
        scratch.clear();
        scratchMark = 0;
    }
}
