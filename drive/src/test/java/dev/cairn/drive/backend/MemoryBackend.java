package dev.cairn.drive.backend;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A sparse in-memory drive for tests and simulation: pages that were never written (or were
 * discarded) take no memory and are reported as holes, so a test can use a "1 TiB" drive cheaply.
 * Everything written is immediately "durable": crash behaviour is modelled by {@link CrashingBackend}.
 */
public final class MemoryBackend implements DriveBackend {
    static final int PAGE = 4096;
    private static final int MAX_RANGES = 1024;

    private final long sizeBytes;
    private final NavigableMap<Long, byte[]> pages;

    public MemoryBackend(long sizeBytes) {
        this(sizeBytes, new TreeMap<>());
    }

    private MemoryBackend(long sizeBytes, NavigableMap<Long, byte[]> pages) {
        if (sizeBytes <= 0) {
            throw new IllegalArgumentException("size must be positive, got " + sizeBytes);
        }
        this.sizeBytes = sizeBytes;
        this.pages = pages;
    }

    /** An independent copy of the current contents. */
    public synchronized MemoryBackend copy() {
        NavigableMap<Long, byte[]> copy = new TreeMap<>();
        pages.forEach((k, v) -> copy.put(k, v.clone()));
        return new MemoryBackend(sizeBytes, copy);
    }

    /** Bytes of memory held by written pages. */
    public synchronized long residentBytes() {
        return (long) pages.size() * PAGE;
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public synchronized void read(long position, ByteBuffer dst) {
        checkRange(position, dst.remaining());
        long at = position;
        while (dst.hasRemaining()) {
            long page = at / PAGE;
            int inPage = (int) (at % PAGE);
            int n = Math.min(PAGE - inPage, dst.remaining());
            byte[] data = pages.get(page);
            if (data == null) {
                for (int i = 0; i < n; i++) {
                    dst.put((byte) 0);
                }
            } else {
                dst.put(data, inPage, n);
            }
            at += n;
        }
    }

    @Override
    public boolean tryRead(long position, ByteBuffer dst) {
        read(position, dst);
        return true;
    }

    @Override
    public boolean tryWrite(long position, ByteBuffer src) {
        write(position, src);
        return true;
    }

    @Override
    public synchronized void write(long position, ByteBuffer src) {
        checkRange(position, src.remaining());
        long at = position;
        while (src.hasRemaining()) {
            long page = at / PAGE;
            int inPage = (int) (at % PAGE);
            int n = Math.min(PAGE - inPage, src.remaining());
            src.get(pages.computeIfAbsent(page, p -> new byte[PAGE]), inPage, n);
            at += n;
        }
    }

    @Override
    public void sync() {
        // memory is as durable as it gets; CrashingBackend models volatile caches
    }

    @Override
    public synchronized void discard(long position, long length) {
        writeZeroes(position, length, true);
    }

    @Override
    public synchronized void writeZeroes(long position, long length, boolean allowHole) {
        checkRange(position, length);
        long at = position;
        long end = position + length;
        while (at < end) {
            long page = at / PAGE;
            int inPage = (int) (at % PAGE);
            int n = (int) Math.min(PAGE - inPage, end - at);
            if (n == PAGE && allowHole) {
                pages.remove(page);
            } else if (n == PAGE) {
                pages.put(page, new byte[PAGE]);
            } else {
                byte[] data = pages.get(page);
                if (data != null) {
                    Arrays.fill(data, inPage, inPage + n, (byte) 0);
                }
            }
            at += n;
        }
    }

    @Override
    public boolean zeroesFast() {
        return true;
    }

    @Override
    public synchronized List<AllocationRange> allocation(long position, long length) {
        checkRange(position, length);
        List<AllocationRange> ranges = new ArrayList<>();
        long end = position + length;
        long at = position;
        while (at < end && ranges.size() < MAX_RANGES) {
            long page = at / PAGE;
            long runEnd;
            boolean hole = !pages.containsKey(page);
            if (hole) {
                Long next = pages.ceilingKey(page);
                runEnd = next == null ? end : Math.min(end, next * PAGE);
            } else {
                long p = page + 1;
                while (pages.containsKey(p) && p * PAGE < end) {
                    p++;
                }
                runEnd = Math.min(end, p * PAGE);
            }
            ranges.add(new AllocationRange(at, runEnd - at, hole));
            at = runEnd;
        }
        return ranges;
    }

    private void checkRange(long position, long length) {
        if (position < 0 || length < 0 || position > sizeBytes - length) {
            throw new IndexOutOfBoundsException("range " + position + "+" + length + " is outside 0.." + sizeBytes);
        }
    }

    @Override
    public String describe() {
        return "memory drive of " + sizeBytes + " bytes";
    }

    @Override
    public void close() {}
}
