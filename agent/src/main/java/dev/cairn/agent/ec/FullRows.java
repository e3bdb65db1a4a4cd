package dev.cairn.agent.ec;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Requests that cover whole consecutive rows of one PStore, the shape of large sequential I/O:
 * since a member holds its chunks of consecutive rows back to back, each member gets one request
 * for all of them (a 1 MiB write of a 4+2 volume is 6 writes of 256 KiB, not 24 of 64 KiB), and
 * parity is encoded once over them. A read or write with a data member not usable goes row by row
 * (the degraded paths of {@link PStoreIo}: a degraded write is logged first).
 */
final class FullRows {
    /** The most rows one request takes at once: each has its own lock (see {@link PStoreIo}). */
    static final int MAX_ROWS = 64;

    private FullRows() {}

    /**
     * Writes rows {@code first} to {@code first + rows - 1} from {@code request} bytes {@code at}
     * onwards (row after row, each {@code k} chunks).
     */
    static void write(PStoreIo p, long first, int rows, ByteBuffer request, int at, boolean fua) throws IOException {
        StripeGeometry g = p.geometry();
        if (DegradedWriteLog.needed(p)) { // each row's missing chunks are logged before it is written
            for (int r = 0; r < rows; r++) {
                int offset = at + (int) (r * g.rowBytes());
                p.write(new StripeGeometry.RowSpan(p.index(), first + r, 0, (int) g.rowBytes(), offset), request, fua);
            }
            return;
        }
        int chunk = g.chunkBytes();
        int length = rows * chunk;
        ByteBuffer[] data = new ByteBuffer[g.k()];
        for (int c = 0; c < g.k(); c++) {
            data[c] = ByteBuffer.allocate(length);
            for (int r = 0; r < rows; r++) {
                data[c].put(r * chunk, request, at + (int) (r * g.rowBytes()) + c * chunk, chunk);
            }
        }
        ByteBuffer[] parity = p.parityOf(data);
        long firstRegion = first / g.regionRows();
        long lastRegion = (first + rows - 1) / g.regionRows();
        try {
            p.record.bitmap.beginWrite(firstRegion, lastRegion);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(p.describe() + ": interrupted");
        }
        List<ReentrantLock> held = lockAll(p, first, rows);
        try {
            long offset = g.offsetOnBStore(first, 0);
            Map<BStore, CompletableFuture<?>> writes = new LinkedHashMap<>();
            for (BStore b : p.members()) {
                if (b.writable()) {
                    ByteBuffer src = b.index < g.k() ? data[b.index] : parity[b.index - g.k()];
                    writes.put(b, b.io().write(offset, src.duplicate(), fua));
                }
            }
            MemberRequests.awaitAll(p.timeout(), p.describe(), writes);
            if (p.usable() < g.k()) {
                throw new IOException(p.describe() + " rows " + first + " to " + (first + rows - 1) + ": only "
                        + p.usable() + " of " + g.width() + " BStores usable, " + g.k() + " needed to write");
            }
        } finally {
            held.reversed().forEach(ReentrantLock::unlock);
            p.record.bitmap.endWrite(firstRegion, lastRegion);
        }
        p.record.recordFailures();
        p.counters.wholeRows.add(rows);
    }

    /** Reads rows {@code first} to {@code first + rows - 1} into {@code request} bytes {@code at} onwards. */
    static void read(PStoreIo p, long first, int rows, ByteBuffer request, int at) throws IOException {
        StripeGeometry g = p.geometry();
        int chunk = g.chunkBytes();
        List<BStore> data = p.members().subList(0, g.k());
        if (data.stream().allMatch(BStore::usable)) {
            ByteBuffer[] chunks = new ByteBuffer[g.k()];
            Map<BStore, CompletableFuture<?>> reads = new LinkedHashMap<>();
            for (BStore b : data) {
                chunks[b.index] = ByteBuffer.allocate(rows * chunk);
                reads.put(b, b.io().read(g.offsetOnBStore(first, 0), chunks[b.index].duplicate()));
            }
            if (MemberRequests.awaitAll(p.timeout(), p.describe(), reads) == 0) {
                for (int c = 0; c < g.k(); c++) {
                    for (int r = 0; r < rows; r++) {
                        request.put(at + (int) (r * g.rowBytes()) + c * chunk, chunks[c], r * chunk, chunk);
                    }
                }
                return;
            }
        }
        for (int r = 0; r < rows; r++) {
            int offset = at + (int) (r * g.rowBytes());
            p.read(new StripeGeometry.RowSpan(p.index(), first + r, 0, (int) g.rowBytes(), offset), request);
        }
    }

    /** Takes the locks of the rows, each lock once, in the order of their numbers. */
    private static List<ReentrantLock> lockAll(PStoreIo p, long first, int rows) {
        TreeMap<Integer, ReentrantLock> locks = new TreeMap<>();
        for (long r = first; r < first + rows; r++) {
            locks.putIfAbsent(p.lockNumber(r), p.lockOf(r));
        }
        List<ReentrantLock> held = new ArrayList<>();
        for (ReentrantLock lock : locks.values()) {
            lock.lock();
            held.add(lock);
        }
        return held;
    }

    /** How many spans from {@code from} on are whole consecutive rows of one PStore (0 if that one is not). */
    static int count(List<StripeGeometry.RowSpan> spans, int from, long rowBytes) {
        StripeGeometry.RowSpan first = spans.get(from);
        int n = 0;
        while (from + n < spans.size() && n < MAX_ROWS) {
            StripeGeometry.RowSpan s = spans.get(from + n);
            if (s.inRow() != 0 || s.length() != rowBytes || s.pstore() != first.pstore()) {
                break;
            }
            n++;
        }
        return n;
    }
}
