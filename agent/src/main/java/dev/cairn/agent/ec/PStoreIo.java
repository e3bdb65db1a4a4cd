package dev.cairn.agent.ec;

import dev.cairn.agent.bitmap.WriteIntentBitmap;
import dev.cairn.erasure.ReedSolomon;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Reads and writes the rows of one PStore over its {@code k + m} members.
 *
 * <p>Reads go to the data members that hold the bytes, without a lock. When one of them is not
 * usable (or fails while reading) the row is read degraded: under the row's lock, from {@code k}
 * usable members, and the missing chunks rebuilt. Writes take the row's lock: a write of whole rows
 * encodes parity once; a partial write reads the rest of the row's data over the byte range it
 * touches (rebuilding what a lost member held), encodes that range's parity and writes the new data
 * and parity (a read-modify-write that does not trust the old parity). A member that fails is failed
 * for the attachment and the request goes on with the others; a request fails only when fewer than
 * {@code k} members are left, and then says so: data is never made up. While a data member is
 * missing, each write is logged first ({@link DegradedWriteLog}).
 */
final class PStoreIo {
    /** Row locks: row {@code r} takes lock {@code r % LOCKS}; a request holds one at a time. */
    static final int LOCKS = 64;

    private final int index;
    /** The volume's geometry; replaced when the volume grows (this PStore's rows may grow then). */
    private volatile StripeGeometry geometry;
    /** In member order; a member is replaced when its BStore is rebuilt elsewhere (then caught up). */
    private final CopyOnWriteArrayList<BStore> members;

    private final ReedSolomon codec;
    private final Duration timeout;
    private final ReentrantLock[] locks = new ReentrantLock[LOCKS];
    final PStoreRecord record;
    /** Written before each write to a row with a data member missing. */
    final DegradedWriteLog log;
    /** The volume's counters (shared by its PStores). */
    final EcCounters counters;

    PStoreIo(
            UUID volumeId,
            long generation,
            int index,
            StripeGeometry geometry,
            List<BStore> members,
            ReedSolomon codec,
            Duration timeout,
            EcCounters counters) {
        if (members.size() != geometry.width()) {
            throw new IllegalArgumentException("PStore " + index + " has " + members.size() + " BStores, a "
                    + geometry.k() + "+" + geometry.m() + " code needs " + geometry.width());
        }
        this.index = index;
        this.geometry = geometry;
        this.members = new CopyOnWriteArrayList<>(members);
        this.codec = codec;
        this.timeout = timeout;
        this.counters = counters;
        this.record = new PStoreRecord(volumeId, generation, index, geometry, this.members, timeout);
        this.log = new DegradedWriteLog(volumeId, generation, index, geometry);
        for (int i = 0; i < LOCKS; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    int index() {
        return index;
    }

    /** The members now, in member order (a snapshot). */
    List<BStore> members() {
        return List.copyOf(members);
    }

    /** Member {@code b.index} is {@code b} from now on (its old BStore is failed first by the caller). */
    void replace(BStore b) {
        members.set(b.index, b);
    }

    /** The data members not usable now, as a mask (every write asks: no copy of the list). */
    long unusableData() {
        long mask = 0;
        for (int c = 0; c < geometry.k(); c++) {
            if (!members.get(c).usable()) {
                mask |= 1L << c;
            }
        }
        return mask;
    }

    int usable() {
        return (int) members.stream().filter(BStore::usable).count();
    }

    /** Fills the span's part of {@code request} (the whole request's buffer, position 0). */
    void read(StripeGeometry.RowSpan span, ByteBuffer request) throws IOException {
        List<StripeGeometry.Piece> pieces = geometry.pieces(span, request);
        while (pieces.stream().allMatch(p -> members.get(p.column()).usable())) {
            Map<BStore, CompletableFuture<?>> reads = new LinkedHashMap<>();
            for (StripeGeometry.Piece p : pieces) {
                BStore b = members.get(p.column());
                reads.put(
                        b,
                        b.io().read(
                                        geometry.offsetOnBStore(span.row(), p.inChunk()),
                                        p.buffer().duplicate()));
            }
            if (MemberRequests.awaitAll(timeout, describe(), reads) == 0) {
                return;
            }
        }
        ReentrantLock lock = lock(span.row());
        try {
            readDegraded(span.row(), pieces);
            counters.rebuiltRows.increment();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reads the pieces' byte range of the row from {@code k} usable members and rebuilds the
     * chunks of the members that are not; caller holds the row's lock.
     */
    private void readDegraded(long row, List<StripeGeometry.Piece> pieces) throws IOException {
        int from = pieces.stream().mapToInt(StripeGeometry.Piece::inChunk).min().orElseThrow();
        int to = pieces.stream()
                .mapToInt(p -> p.inChunk() + p.buffer().remaining())
                .max()
                .orElseThrow();
        ByteBuffer[] shards = readAny(row, from, to);
        for (StripeGeometry.Piece p : pieces) {
            ByteBuffer src = shards[p.column()].duplicate();
            src.position(p.inChunk() - from)
                    .limit(p.inChunk() - from + p.buffer().remaining());
            p.buffer().duplicate().put(src);
        }
    }

    /** Every data chunk's bytes {@code [from, to)} of the row, rebuilt where a member is not usable. */
    ByteBuffer[] readAny(long row, int from, int to) throws IOException {
        return readAny(row, from, to, Set.of());
    }

    /** As {@link #readAny(long, int, int)}, never reading the members in {@code notSources}. */
    ByteBuffer[] readAny(long row, int from, int to, Set<Integer> notSources) throws IOException {
        int k = geometry.k();
        while (true) {
            List<BStore> sources = members.stream()
                    .filter(b -> b.usable() && !notSources.contains(b.index))
                    .limit(k)
                    .toList();
            if (sources.size() < k) {
                throw new IOException(describe() + " row " + row + ": only " + sources.size() + " of "
                        + geometry.width() + " BStores can be read"
                        + (notSources.isEmpty() ? "" : " (holding every write)")
                        + ", " + k + " needed" + MemberRequests.failures(members));
            }
            ByteBuffer[] shards = new ByteBuffer[geometry.width()];
            Map<BStore, CompletableFuture<?>> reads = new LinkedHashMap<>();
            for (BStore b : sources) {
                shards[b.index] = ByteBuffer.allocate(to - from);
                reads.put(b, b.io().read(geometry.offsetOnBStore(row, from), shards[b.index].duplicate()));
            }
            if (MemberRequests.awaitAll(timeout, describe(), reads) > 0) {
                continue;
            }
            int last = sources.getLast().index;
            List<Integer> missing = new ArrayList<>();
            for (int i = 0; i < geometry.width(); i++) {
                if (shards[i] == null) {
                    shards[i] = ByteBuffer.allocate(to - from);
                    if (i < last) {
                        missing.add(i); // not read though before the last source: rebuilt
                    }
                }
            }
            if (!missing.isEmpty()) {
                codec.reconstruct(
                        shards, missing.stream().mapToInt(Integer::intValue).toArray());
            }
            return shards;
        }
    }

    /** Writes the span's part of {@code request} (the whole request's buffer, position 0). */
    void write(StripeGeometry.RowSpan span, ByteBuffer request, boolean fua) throws IOException {
        List<StripeGeometry.Piece> pieces = geometry.pieces(span, request);
        TreeSet<Integer> cuts = new TreeSet<>();
        for (StripeGeometry.Piece p : pieces) {
            cuts.add(p.inChunk());
            cuts.add(p.inChunk() + p.buffer().remaining());
        }
        long region = span.row() / geometry.regionRows();
        try {
            record.bitmap.beginWrite(region, region);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(describe() + ": interrupted");
        }
        (span.length() == geometry.rowBytes() ? counters.wholeRows : counters.partialRows).increment();
        ReentrantLock lock = lock(span.row());
        try {
            if (DegradedWriteLog.needed(this)) {
                log.write(this, span.row(), pieces, fua);
            } else {
                Integer from = cuts.first();
                for (Integer to = cuts.higher(from); to != null; from = to, to = cuts.higher(to)) {
                    if (!writeRange(span.row(), pieces, from, to, fua)) { // a data member failed reading
                        log.write(this, span.row(), pieces, fua);
                        break;
                    }
                }
            }
        } finally {
            lock.unlock();
            record.bitmap.endWrite(region, region);
        }
        record.recordFailures();
    }

    /**
     * Clears the bits of regions quiet since the previous sweep, once every member was flushed;
     * only while every member is usable and none moving (they need the bits to catch up). How many.
     */
    int sweep() throws IOException {
        if (usable() < geometry.width() || record.anyMoving()) {
            return 0;
        }
        WriteIntentBitmap.Sweep quiet = record.bitmap.sweep();
        if (quiet.regions().isEmpty()) {
            return 0;
        }
        flush();
        return usable() < geometry.width() || record.anyMoving() ? 0 : record.bitmap.clear(quiet);
    }

    /**
     * Writes bytes {@code [from, to)} of every chunk the pieces cover there, and the parity of that
     * range; the other chunks' bytes in it are read (or rebuilt) first. Caller holds the row's lock.
     * False, with nothing written, when a data member failed while they were read (log the row).
     */
    private boolean writeRange(long row, List<StripeGeometry.Piece> pieces, int from, int to, boolean fua)
            throws IOException {
        int k = geometry.k();
        ByteBuffer[] data = new ByteBuffer[k];
        for (StripeGeometry.Piece p : pieces) {
            int start = p.inChunk();
            int end = start + p.buffer().remaining();
            if (start <= from && to <= end) {
                data[p.column()] = p.buffer().slice(from - start, to - from);
            }
        }
        boolean partial = false;
        for (ByteBuffer d : data) {
            partial |= d == null;
        }
        if (partial) {
            ByteBuffer[] old = readColumns(row, from, to, data);
            if (DegradedWriteLog.needed(this)) {
                return false;
            }
            for (int c = 0; c < k; c++) {
                if (data[c] == null) {
                    data[c] = old[c];
                }
            }
        }
        ByteBuffer[] parity = parityOf(data);
        Map<BStore, CompletableFuture<?>> writes = new LinkedHashMap<>();
        long at = geometry.offsetOnBStore(row, from);
        for (StripeGeometry.Piece p : pieces) {
            int start = p.inChunk();
            if (start <= from && to <= start + p.buffer().remaining()) {
                submitWrite(writes, members.get(p.column()), at, data[p.column()], fua);
            }
        }
        for (int p = 0; p < parity.length; p++) {
            submitWrite(writes, members.get(k + p), at, parity[p], fua);
        }
        MemberRequests.awaitAll(timeout, describe(), writes);
        requireK(row);
        return true;
    }

    /**
     * The old bytes {@code [from, to)} of the chunks a write does not cover ({@code null} in {@code
     * covered}): read from their members when those are usable, else rebuilt from any {@code k}.
     */
    private ByteBuffer[] readColumns(long row, int from, int to, ByteBuffer[] covered) throws IOException {
        ByteBuffer[] old = new ByteBuffer[geometry.k()];
        Map<BStore, CompletableFuture<?>> reads = new LinkedHashMap<>();
        for (int c = 0; c < old.length; c++) {
            if (covered[c] == null) {
                BStore b = members.get(c);
                if (!b.usable()) {
                    return readAny(row, from, to);
                }
                old[c] = ByteBuffer.allocate(to - from);
                reads.put(b, b.io().read(geometry.offsetOnBStore(row, from), old[c].duplicate()));
            }
        }
        return MemberRequests.awaitAll(timeout, describe(), reads) == 0 ? old : readAny(row, from, to);
    }

    static void submitWrite(
            Map<BStore, CompletableFuture<?>> writes, BStore b, long offset, ByteBuffer src, boolean fua) {
        if (b.writable()) {
            writes.put(b, b.io().write(offset, src.duplicate(), fua));
        }
    }

    /** Makes every write to the usable members durable; fails when fewer than {@code k} remain. */
    void flush() throws IOException {
        MemberRequests.awaitAll(timeout, describe(), MemberRequests.toUsable(members, b -> b.io().flush()));
        if (usable() < geometry.k()) {
            throw new IOException(describe() + ": only " + usable() + " of " + geometry.width()
                    + " BStores took the flush, " + geometry.k() + " needed");
        }
        record.recordFailures();
    }

    /**
     * The parity of the first {@code k} buffers of {@code data} (of one length, left as they are):
     * {@code m} new buffers.
     */
    ByteBuffer[] parityOf(ByteBuffer[] data) {
        ByteBuffer[] parity = new ByteBuffer[geometry.m()];
        for (int p = 0; p < parity.length; p++) {
            parity[p] = ByteBuffer.allocate(data[0].remaining());
        }
        ByteBuffer[] inputs = new ByteBuffer[geometry.k()];
        for (int c = 0; c < inputs.length; c++) {
            inputs[c] = data[c].duplicate();
        }
        codec.encode(inputs, parity);
        return parity;
    }

    /**
     * The volume grew to {@code next}: this PStore's new rows, if any, are zeroes on every member,
     * parity and all; their regions join the bitmap clean, and a superblock names them.
     */
    void grow(StripeGeometry next) throws IOException {
        boolean more = next.rows(index) > geometry.rows(index);
        geometry = next;
        record.grow(next);
        if (more) {
            record.recordNow();
        }
    }

    StripeGeometry geometry() {
        return geometry;
    }

    Duration timeout() {
        return timeout;
    }

    /** Which of the row locks row {@code row} takes. */
    int lockNumber(long row) {
        return (int) (row % LOCKS);
    }

    ReentrantLock lockOf(long row) {
        return locks[lockNumber(row)];
    }

    private ReentrantLock lock(long row) {
        ReentrantLock lock = locks[(int) (row % LOCKS)];
        lock.lock();
        return lock;
    }

    /** Fails when fewer than {@code k} members are left to read or write row {@code row}. */
    void requireK(long row) throws IOException {
        if (usable() < geometry.k()) {
            throw new IOException(describe() + " row " + row + ": only " + usable() + " of " + geometry.width()
                    + " BStores usable, " + geometry.k() + " needed to read or write"
                    + MemberRequests.failures(members));
        }
    }

    String describe() {
        return "PStore " + index;
    }
}
