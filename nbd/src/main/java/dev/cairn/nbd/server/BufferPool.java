package dev.cairn.nbd.server;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Direct buffers for request and reply payloads, in power-of-two size classes from 4 KiB to 32 MiB,
 * with {@link #HEADROOM} spare bytes in front so a reply header can be written just before its
 * data (one buffer, one iovec per reply).
 *
 * <p>Two kinds of use, counted apart:
 *
 * <ul>
 *   <li>{@link #acquire shared}: write data already received and handed to the export. It counts
 *       against a byte budget shared by all connections; a reader that would exceed it waits until
 *       the export has written some, which takes device time, never a client's.
 *   <li>{@link #takeOwned owned}: memory one connection holds on its own bound (its input buffer,
 *       its reply scratch, the data of its READ replies up to its reply credit). A client that
 *       stalls pins only this, and no other connection ever waits for it.
 * </ul>
 *
 * Released buffers are cached per class (up to a quarter of the shared budget's worth each) so
 * steady traffic allocates nothing.
 */
final class BufferPool {
    static final int HEADROOM = 32;
    private static final int MIN_SHIFT = 12;
    private static final int MAX_SHIFT = 25;
    private static final int KIB = 1024;

    private final Semaphore budgetKib;
    private final int budgetKibTotal;
    private final List<ConcurrentLinkedQueue<ByteBuffer>> cache = new ArrayList<>();
    private final AtomicIntegerArray cached = new AtomicIntegerArray(MAX_SHIFT + 1);
    private final AtomicLong ownedBytes = new AtomicLong();

    BufferPool(long budgetBytes) {
        this.budgetKibTotal = (int) Math.min(Integer.MAX_VALUE, budgetBytes / KIB);
        this.budgetKib = new Semaphore(budgetKibTotal);
        for (int s = 0; s <= MAX_SHIFT; s++) {
            cache.add(new ConcurrentLinkedQueue<>());
        }
    }

    /** The bytes a buffer for {@code bytes} takes from a budget: its power-of-two class. */
    static int classBytes(int bytes) {
        return 1 << shiftFor(bytes);
    }

    private static int shiftFor(int bytes) {
        int shift = 32 - Integer.numberOfLeadingZeros(Math.max(bytes, 1 << MIN_SHIFT) - 1);
        if (shift > MAX_SHIFT) {
            throw new IllegalArgumentException("payload of " + bytes + " bytes exceeds the 32 MiB maximum");
        }
        return shift;
    }

    /** Free buffers kept per class: a quarter of the budget's worth, at least 2, at most 256. */
    private int maxCached(int shift) {
        return Math.clamp(((long) budgetKibTotal * KIB / 4) >> shift, 2, 256);
    }

    /**
     * A buffer whose position is {@link #HEADROOM} and whose limit is {@code HEADROOM + bytes};
     * blocks while the budget is spent.
     */
    ByteBuffer acquire(int bytes) throws InterruptedException {
        int shift = shiftFor(bytes);
        budgetKib.acquire((1 << shift) / KIB);
        return take(shift, bytes);
    }

    private ByteBuffer take(int shift, int bytes) {
        ByteBuffer b = cache.get(shift).poll();
        if (b != null) {
            cached.decrementAndGet(shift);
        } else {
            b = ByteBuffer.allocateDirect(HEADROOM + (1 << shift));
        }
        return b.limit(HEADROOM + bytes).position(HEADROOM);
    }

    /** Like {@link #acquire} but returns null instead of waiting when the budget is spent. */
    ByteBuffer tryAcquire(int bytes) {
        int shift = shiftFor(bytes);
        if (!budgetKib.tryAcquire((1 << shift) / KIB)) {
            return null;
        }
        return take(shift, bytes);
    }

    void release(ByteBuffer b) {
        budgetKib.release(recycle(b) / KIB);
    }

    /**
     * A buffer like {@link #acquire}'s that does not touch the shared budget: the caller holds it on
     * a bound of its own (a connection's). Never blocks. Give it back with {@link #releaseOwned}.
     */
    ByteBuffer takeOwned(int bytes) {
        int shift = shiftFor(bytes);
        ownedBytes.addAndGet(1L << shift);
        return take(shift, bytes);
    }

    void releaseOwned(ByteBuffer b) {
        ownedBytes.addAndGet(-recycle(b));
    }

    /** Caches {@code b} for reuse if its class has room; returns its class size. */
    private int recycle(ByteBuffer b) {
        int shift = Integer.numberOfTrailingZeros(b.capacity() - HEADROOM);
        if (cached.incrementAndGet(shift) <= maxCached(shift)) {
            cache.get(shift).offer(b.clear());
        } else {
            cached.decrementAndGet(shift);
        }
        return 1 << shift;
    }

    /** Shared-budget bytes handed out (at most the budget). */
    long sharedBytesInUse() {
        return (long) (budgetKibTotal - budgetKib.availablePermits()) * KIB;
    }

    /** Bytes held by connections on their own bounds. */
    long ownedBytesInUse() {
        return ownedBytes.get();
    }

    /** Everything handed out and not yet given back. */
    long inUseBytes() {
        return sharedBytesInUse() + ownedBytesInUse();
    }
}
