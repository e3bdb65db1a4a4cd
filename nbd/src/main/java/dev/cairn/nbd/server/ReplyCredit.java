package dev.cairn.nbd.server;

import java.nio.ByteBuffer;
import java.util.concurrent.Semaphore;

/**
 * One connection's bound on the READ data it holds, from the moment its buffer is taken to the
 * moment the client has taken the reply: {@link #BYTES}. A READ larger than a {@link LargeRead}
 * piece holds one piece. The connection's reader waits for credit before it reads the next
 * request, so a client that does not read its replies stops only itself, and the memory it pins is
 * this bound, never the server's shared budget.
 */
final class ReplyCredit {
    /** Two 1 MiB replies, or many small ones, in flight per connection. */
    static final int BYTES = 2 * LargeRead.PIECE_BYTES;

    private static final int KIB = 1024;
    private final BufferPool pool;
    private final Semaphore kib = new Semaphore(BYTES / KIB);

    ReplyCredit(BufferPool pool) {
        this.pool = pool;
    }

    /** A buffer for {@code bytes} (at most a piece) if the credit allows it now, else null. */
    ByteBuffer tryTake(int bytes) {
        return kib.tryAcquire(BufferPool.classBytes(bytes) / KIB) ? pool.takeOwned(bytes) : null;
    }

    /** A buffer for {@code bytes} (at most a piece), waiting for credit: replies being sent. */
    ByteBuffer take(int bytes) throws InterruptedException {
        kib.acquire(BufferPool.classBytes(bytes) / KIB);
        return pool.takeOwned(bytes);
    }

    /** Gives back a buffer taken here, once its reply is out (or dropped). */
    void give(ByteBuffer b) {
        int bytes = b.capacity() - BufferPool.HEADROOM;
        pool.releaseOwned(b);
        kib.release(bytes / KIB);
    }
}
