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
 * headroom, or straight out of the export's memory). A client that stops reading blocks nothing but this connection's threads: workers
 * never write to the socket. The connection's reader may also write replies it produced itself
 * ({@link #writeNow}); a lock keeps the two writers apart.
 *
 * <p>It ends when its thread is interrupted, which the connection does only once every reply has
 * come back (all in-flight permits returned): the writer is then idle in {@code take()} and the
 * interrupt cannot hit a socket write.
 *
 * <p>Replies leave in the order they complete, not the order requests came in. Every reply gives
 * back its in-flight permit and its buffer once written, or once dropped after the connection broke.
 */
final class ReplyWriter implements Runnable {
    private static final int MAX_BATCH = 64;
    private static final int MAX_IOV = 128;
    private static final int SCRATCH_BYTES = 64 * 1024;

    private final GatheringByteChannel channel;
    private final boolean structured;
    private final BufferPool pool;
    private final Semaphore inFlight;
    private final Runnable onBroken;
    private final LinkedTransferQueue<Reply> queue = new LinkedTransferQueue<>();
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(SCRATCH_BYTES);
    private final ByteBuffer[] iov = new ByteBuffer[MAX_IOV];
    private int iovCount;
    private int scratchMark;
    /** Serializes socket writes between this thread and the reader's {@link #writeNow}. */
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}, like the scratch buffer and the iovec array. */
    private boolean broken;

    ReplyWriter(
            GatheringByteChannel channel, boolean structured, BufferPool pool, Semaphore inFlight, Runnable onBroken) {
        this.channel = channel;
        this.structured = structured;
        this.pool = pool;
        this.inFlight = inFlight;
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
        lock.lock();
        try {
            writeOrBreak(replies);
        } finally {
            lock.unlock();
        }
        replies.forEach(this::release);
    }

    private void writeOrBreak(List<Reply> replies) {
        if (broken) {
            return;
        }
        try {
            writeAll(replies);
        } catch (IOException | RuntimeException e) {
            broken = true;
            onBroken.run();
        }
    }

    @Override
    public void run() {
        List<Reply> batch = new ArrayList<>(MAX_BATCH);
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(batch, MAX_BATCH - batch.size());
            lock.lock();
            try {
                writeOrBreak(batch);
            } finally {
                lock.unlock();
            }
            batch.forEach(this::release);
            batch.clear();
        }
        List<Reply> left = new ArrayList<>();
        queue.drainTo(left);
        left.forEach(this::release);
    }

    private void release(Reply reply) {
        if (reply instanceof Reply.Data data) {
            pool.release(data.buffer());
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
        ByteBuffer b = d.buffer();
        int dataBytes = b.limit() - BufferPool.HEADROOM;
        if (structured && dataBytes == 0) {
            chunkHeader(REPLY_TYPE_NONE, d.handle(), 0);
            return;
        }
        int start;
        if (structured) {
            start = BufferPool.HEADROOM - 28;
            b.putInt(start, STRUCTURED_REPLY_MAGIC)
                    .putShort(start + 4, (short) REPLY_FLAG_DONE)
                    .putShort(start + 6, (short) REPLY_TYPE_OFFSET_DATA)
                    .putLong(start + 8, d.handle())
                    .putInt(start + 16, 8 + dataBytes)
                    .putLong(start + 20, d.offset());
        } else {
            start = BufferPool.HEADROOM - 16;
            b.putInt(start, SIMPLE_REPLY_MAGIC).putInt(start + 4, 0).putLong(start + 8, d.handle());
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
        while (first < iovCount) {
            channel.write(iov, first, iovCount - first);
            while (first < iovCount && !iov[first].hasRemaining()) {
                iov[first++] = null;
            }
        }
        iovCount = 0;
        scratch.clear();
        scratchMark = 0;
    }
}
