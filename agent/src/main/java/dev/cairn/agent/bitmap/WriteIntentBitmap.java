package dev.cairn.agent.bitmap;

import dev.cairn.legs.header.BitmapFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The write-intent bitmap of one volume (as Linux md's): one bit per region, set durably on the
 * legs before the first write to a clean region, cleared lazily once every leg holds the data. A
 * set bit means "the legs may differ here"; a resync copies only those regions.
 *
 * <p>It also tracks who touches each region, because the bits and the region activity must change
 * together: writes in flight per region (a bit is never cleared under one), and the regions being
 * copied by a resync (a write waits until the copy of its region is done, so a copy never leaves a
 * region older than the client's last write).
 *
 * <p>Invariants: a writer calls {@link #beginWrite} (which counts it in and sets and persists the
 * bits) before sending data and {@link #endWrite} after every leg answered; a bit is cleared only
 * for a region with no writer in flight, not written since the previous sweep, after the legs were
 * flushed, and only while every leg is in sync (the caller checks that). On disk the bitmap
 * follows the superblock in pages ({@link BitmapFormat}). Page writes are serialized per page, and a later write always carries every
 * earlier change, so pages can never go back in time.
 */
public final class WriteIntentBitmap {
    private static final int PAGE_BYTES = BitmapFormat.PAGE_BYTES;
    private static final int REGIONS_PER_PAGE = PAGE_BYTES * 8;

    /** Writes one bitmap page durably to the legs that must have it. */
    public interface PageSink {
        void write(int page, ByteBuffer bytes) throws IOException;
    }

    /** Regions a sweep found quiet, with the write stamp each had. */
    public record Sweep(List<Long> regions, List<Long> stamps) {}

    /** Replaced (with the arrays, under {@link #lock}) only when the volume grows. */
    private volatile long regions;

    private final PageSink sink;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile long[] bits;
    private volatile int[] writers;
    private volatile long[] lastWrite;
    private final Set<Long> copying = new HashSet<>();
    private volatile long[] pageVersion;
    private volatile long[] pagePersisted;
    /** A page keeps its lock when the array grows. */
    private volatile ReentrantLock[] pageWriters;

    private long stamp;
    private long previousSweep;

    public WriteIntentBitmap(long regions, PageSink sink) {
        if (regions <= 0) {
            throw new IllegalArgumentException("a volume has 1 to " + Integer.MAX_VALUE + " regions, got " + regions);
        }
        this.sink = sink;
        bits = new long[0];
        writers = new int[0];
        lastWrite = new long[0];
        pageVersion = new long[0];
        pagePersisted = new long[0];
        pageWriters = new ReentrantLock[0];
        grow(regions);
    }

    public long regions() {
        return regions;
    }

    /**
     * Grows to {@code newRegions} (the volume grew): the new regions are clean, and every page and
     * bit already there stays as it is. Never shrinks.
     */
    public void grow(long newRegions) {
        if (newRegions > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "a volume has 1 to " + Integer.MAX_VALUE + " regions, got " + newRegions);
        }
        lock.lock();
        try {
            if (newRegions <= regions) {
                return;
            }
            bits = Arrays.copyOf(bits, (int) ((newRegions + 63) / 64));
            writers = Arrays.copyOf(writers, (int) newRegions);
            lastWrite = Arrays.copyOf(lastWrite, (int) newRegions);
            int pages = BitmapFormat.pagesFor(newRegions);
            pageVersion = Arrays.copyOf(pageVersion, pages);
            pagePersisted = Arrays.copyOf(pagePersisted, pages);
            ReentrantLock[] locks = Arrays.copyOf(pageWriters, pages);
            for (int i = 0; i < pages; i++) {
                if (locks[i] == null) {
                    locks[i] = new ReentrantLock();
                }
            }
            pageWriters = locks;
            regions = newRegions;
        } finally {
            lock.unlock();
        }
    }

    public int pages() {
        return pageVersion.length;
    }

    /** Sets the bits read from the legs at attach time (they are on disk already). */
    public void load(BitSet loaded) {
        long[] words = loaded.toLongArray();
        lock.lock();
        try {
            for (int i = 0; i < Math.min(words.length, bits.length); i++) {
                bits[i] |= words[i];
            }
            trimTail();
        } finally {
            lock.unlock();
        }
    }

    private void trimTail() {
        int spare = (int) (bits.length * 64L - regions);
        if (spare > 0) {
            bits[bits.length - 1] &= -1L >>> spare;
        }
    }

    /**
     * Admits a write to regions {@code first..last}: waits while any of them is being copied,
     * counts the write in, then sets the bits that are clear and returns once they are durable on
     * the legs. On failure the write is counted out again.
     */
    public void beginWrite(long first, long last) throws IOException, InterruptedException {
        check(first, last);
        List<Integer> dirtyPages = new ArrayList<>();
        lock.lock();
        try {
            while (anyCopying(first, last)) {
                changed.await();
            }
            long now = ++stamp;
            for (long r = first; r <= last; r++) {
                writers[(int) r]++;
                lastWrite[(int) r] = now;
                if (!BitWords.isSet(bits, r)) {
                    bits[(int) (r >>> 6)] |= 1L << r;
                    pageVersion[page(r)]++;
                }
            }
            for (int p = page(first); p <= page(last); p++) {
                if (pagePersisted[p] < pageVersion[p]) {
                    dirtyPages.add(p);
                }
            }
        } finally {
            lock.unlock();
        }
        try {
            for (int p : dirtyPages) {
                persist(p);
            }
        } catch (IOException | RuntimeException e) {
            endWrite(first, last);
            throw e;
        }
    }

    public void endWrite(long first, long last) {
        lock.lock();
        try {
            long now = ++stamp; // a region counts as written until its last write has ended
            for (long r = first; r <= last; r++) {
                writers[(int) r]--;
                lastWrite[(int) r] = now;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Takes region {@code r} for a copy: new writes to it wait, and this waits for those in flight. */
    public void beginCopy(long r) throws InterruptedException {
        check(r, r);
        lock.lock();
        try {
            while (copying.contains(r)) {
                changed.await();
            }
            copying.add(r);
            while (writers[(int) r] > 0) {
                changed.await();
            }
        } finally {
            lock.unlock();
        }
    }

    public void endCopy(long r) {
        lock.lock();
        try {
            copying.remove(r);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * First half of a lazy clear: the set regions with no write in flight and none since the
     * previous sweep. The caller then flushes every leg and calls {@link #clear}.
     */
    public Sweep sweep() {
        lock.lock();
        try {
            List<Long> found = new ArrayList<>();
            List<Long> stamps = new ArrayList<>();
            for (long r = BitWords.nextSet(bits, 0, regions); r >= 0; r = BitWords.nextSet(bits, r + 1, regions)) {
                if (writers[(int) r] == 0 && lastWrite[(int) r] <= previousSweep && !copying.contains(r)) {
                    found.add(r);
                    stamps.add(lastWrite[(int) r]);
                }
            }
            previousSweep = stamp;
            return new Sweep(found, stamps);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Second half: clears the swept regions that nobody wrote since (their data was flushed on
     * every leg in between), and persists the pages. Returns how many bits were cleared.
     */
    public int clear(Sweep sweep) throws IOException {
        List<Integer> dirtyPages = new ArrayList<>();
        int cleared = 0;
        lock.lock();
        try {
            for (int i = 0; i < sweep.regions().size(); i++) {
                long r = sweep.regions().get(i);
                if (writers[(int) r] == 0
                        && lastWrite[(int) r] == sweep.stamps().get(i)
                        && BitWords.isSet(bits, r)) {
                    bits[(int) (r >>> 6)] &= ~(1L << r);
                    pageVersion[page(r)]++;
                    cleared++;
                    if (!dirtyPages.contains(page(r))) {
                        dirtyPages.add(page(r));
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        for (int p : dirtyPages) {
            persist(p);
        }
        return cleared;
    }

    /** Writes page {@code p} unless a write already carried its current version. */
    private void persist(int p) throws IOException {
        long wanted;
        lock.lock();
        try {
            wanted = pageVersion[p];
        } finally {
            lock.unlock();
        }
        ReentrantLock writer = pageWriters[p];
        writer.lock();
        try {
            ByteBuffer bytes;
            long version;
            lock.lock();
            try {
                if (pagePersisted[p] >= wanted) {
                    return;
                }
                version = pageVersion[p];
                bytes = pageLocked(p);
            } finally {
                lock.unlock();
            }
            sink.write(p, bytes);
            lock.lock();
            try {
                pagePersisted[p] = Math.max(pagePersisted[p], version);
            } finally {
                lock.unlock();
            }
        } finally {
            writer.unlock();
        }
    }

    /**
     * Writes every page again (through the sink, to every writable leg): a leg that rejoins, or the
     * legs of a new attachment, then carry the whole bitmap.
     */
    public void rewriteAll() throws IOException {
        lock.lock();
        try {
            for (int p = 0; p < pageVersion.length; p++) {
                pageVersion[p]++;
            }
        } finally {
            lock.unlock();
        }
        for (int p = 0; p < pageVersion.length; p++) {
            persist(p);
        }
    }

    /** The current content of page {@code p} (for writing the whole bitmap to a rejoining leg). */
    public ByteBuffer page(int p) {
        lock.lock();
        try {
            return pageLocked(p);
        } finally {
            lock.unlock();
        }
    }

    private ByteBuffer pageLocked(int p) {
        return BitmapFormat.page(bits, p);
    }

    public boolean isDirty(long r) {
        lock.lock();
        try {
            return BitWords.isSet(bits, r);
        } finally {
            lock.unlock();
        }
    }

    /** The dirty regions now, in order. */
    public List<Long> dirtyRegions() {
        lock.lock();
        try {
            List<Long> out = new ArrayList<>();
            for (long r = BitWords.nextSet(bits, 0, regions); r >= 0; r = BitWords.nextSet(bits, r + 1, regions)) {
                out.add(r);
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    public long dirtyCount() {
        lock.lock();
        try {
            return BitWords.count(bits);
        } finally {
            lock.unlock();
        }
    }

    private boolean anyCopying(long first, long last) {
        if (copying.isEmpty()) {
            return false;
        }
        for (long r : copying) {
            if (r >= first && r <= last) {
                return true;
            }
        }
        return false;
    }

    private static int page(long r) {
        return (int) (r / REGIONS_PER_PAGE);
    }

    private void check(long first, long last) {
        if (first < 0 || last < first || last >= regions) {
            throw new IllegalArgumentException(
                    "regions " + first + ".." + last + " outside the volume's " + regions + " regions");
        }
    }
}
