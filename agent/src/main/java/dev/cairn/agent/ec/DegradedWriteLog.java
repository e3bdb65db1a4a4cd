package dev.cairn.agent.ec;

import dev.cairn.legs.header.DegradedWrite;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The write hole of a degraded PStore: while a data member is missing, its chunks exist only in
 * the parity, and a write to its row changes that parity in place. A client that dies in the
 * middle leaves some members written and some not; the missing chunks can then no longer be
 * computed, and the next loss would rebuild wrong data. So every write to a row with a missing
 * data member first records (on every usable member, each node answering before any data or
 * parity of the row is sent) what the missing chunks hold over the bytes it will write parity for,
 * once it is done ({@link DegradedWrite}, as Linux md's
 * partial-parity log does for RAID 5); the next attach repairs the row from that entry.
 *
 * <p>The log is a few slots after the bitmap in every member's header; row {@code r} uses slot
 * {@code r % slots}, under that slot's lock (taken after the row's), so the newest entry of a slot
 * is the newest degraded write of its row, and a row whose entry was overwritten by another row's
 * had its write finished. Entries count only within the attachment that wrote them (the newest
 * superblock's generation): the next attach's repair makes their rows consistent and its superblock
 * retires them. A member that joins again within an attachment clears the log first (under every
 * slot's lock), so no entry outlives the writes that follow without it.
 */
final class DegradedWriteLog {
    private final UUID volumeId;
    private final long generation;
    private final int pstore;
    private final StripeGeometry geometry;
    private final ReentrantLock[] slots;
    private final AtomicLong sequence = new AtomicLong();

    DegradedWriteLog(UUID volumeId, long generation, int pstore, StripeGeometry geometry) {
        this.volumeId = volumeId;
        this.generation = generation;
        this.pstore = pstore;
        this.geometry = geometry;
        this.slots = new ReentrantLock[geometry.logSlots()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new ReentrantLock();
        }
    }

    /** Whether a write to {@code p} must be logged: a data member is not usable. */
    static boolean needed(PStoreIo p) {
        return p.unusableData() != 0;
    }

    private long slotOffset(int slot) {
        return geometry.logOffset() + (long) slot * geometry.logSlotBytes();
    }

    /**
     * Writes the pieces of row {@code row} with a data member missing: the row's bytes over their
     * range are read (the missing chunks rebuilt), the pieces laid over them, the missing chunks
     * logged, then the pieces and the range's parity written. Caller holds the row's lock.
     */
    void write(PStoreIo p, long row, List<StripeGeometry.Piece> pieces, boolean fua) throws IOException {
        int from = pieces.stream().mapToInt(StripeGeometry.Piece::inChunk).min().orElseThrow();
        int to = pieces.stream()
                .mapToInt(x -> x.inChunk() + x.buffer().remaining())
                .max()
                .orElseThrow();
        // Read what the pieces leave out (a whole row needs nothing read: its pieces are every chunk).
        boolean whole = pieces.size() == geometry.k()
                && pieces.stream().allMatch(x -> x.inChunk() == 0 && x.buffer().remaining() == geometry.chunkBytes());
        ByteBuffer[] data = whole ? new ByteBuffer[geometry.k()] : p.readAny(row, from, to);
        if (whole) {
            for (int c = 0; c < data.length; c++) {
                data[c] = ByteBuffer.allocate(to - from);
            }
        }
        for (StripeGeometry.Piece x : pieces) {
            data[x.column()].put(x.inChunk() - from, x.buffer(), 0, x.buffer().remaining());
        }
        ReentrantLock slot = slots[(int) (row % slots.length)];
        slot.lock();
        try {
            long missing = p.unusableData(); // a member that joined meanwhile was read as it is
            if (missing != 0) {
                append(p, row, from, to, missing, data);
                p.counters.loggedWrites.increment();
            }
            ByteBuffer[] parity = p.parityOf(data);
            Map<BStore, CompletableFuture<?>> writes = new LinkedHashMap<>();
            List<BStore> members = p.members();
            for (StripeGeometry.Piece x : pieces) {
                PStoreIo.submitWrite(
                        writes, members.get(x.column()), geometry.offsetOnBStore(row, x.inChunk()), x.buffer(), fua);
            }
            for (int i = 0; i < parity.length; i++) {
                PStoreIo.submitWrite(
                        writes, members.get(geometry.k() + i), geometry.offsetOnBStore(row, from), parity[i], fua);
            }
            MemberRequests.awaitAll(p.timeout(), p.describe(), writes);
            p.requireK(row);
        } finally {
            slot.unlock();
        }
    }

    private void append(PStoreIo p, long row, int from, int to, long missing, ByteBuffer[] data) throws IOException {
        ByteBuffer chunks = ByteBuffer.allocate(Long.bitCount(missing) * (to - from));
        for (int c = 0; c < geometry.k(); c++) {
            if ((missing & 1L << c) != 0) {
                chunks.put(data[c].duplicate().clear());
            }
        }
        DegradedWrite entry = new DegradedWrite(
                volumeId, pstore, generation, sequence.incrementAndGet(), row, from, to, missing, chunks.flip());
        ByteBuffer bytes = entry.encode();
        long at = slotOffset((int) (row % slots.length));
        // Not FUA: the nodes outlive the agent whose death the log is for, and each has the entry
        // before any of the row's data or parity leaves; see the package's note for the cost of FUA.
        MemberRequests.awaitAll(
                p.timeout(),
                p.describe(),
                MemberRequests.toUsable(p.members(), b -> b.io().write(at, bytes.duplicate(), false)));
        p.requireK(row);
    }

    /**
     * The entries the attachment of {@code generation} (the newest superblock's) left for rows of
     * the {@code dirty} regions, the newest whole one of each slot, read from the usable members
     * that hold every write (not those in {@code stale}): by row.
     */
    Map<Long, DegradedWrite> read(PStoreIo p, long generation, BitSet stale, BitSet dirty) throws IOException {
        List<BStore> sources = p.members().stream()
                .filter(b -> b.usable() && !stale.get(b.index))
                .toList();
        Map<Long, DegradedWrite> out = new HashMap<>();
        for (int slot = 0; slot < slots.length; slot++) {
            long at = slotOffset(slot);
            Map<BStore, ByteBuffer> headings = new LinkedHashMap<>();
            Map<BStore, CompletableFuture<?>> reads = new LinkedHashMap<>();
            for (BStore b : sources) {
                ByteBuffer h = ByteBuffer.allocate(DegradedWrite.HEADING_BYTES);
                headings.put(b, h);
                reads.put(b, b.io().read(at, h.duplicate()));
            }
            MemberRequests.awaitAll(p.timeout(), p.describe(), reads);
            record Candidate(BStore member, DegradedWrite.Heading heading) {}
            List<Candidate> candidates = new ArrayList<>();
            headings.forEach((b, h) -> {
                if (b.usable()) {
                    DegradedWrite.heading(h, geometry.logSlotBytes())
                            .filter(x -> x.volumeId().equals(volumeId) && x.pstore() == pstore)
                            .filter(x -> x.generation() == generation)
                            .ifPresent(x -> candidates.add(new Candidate(b, x)));
                }
            });
            candidates.sort(
                    Comparator.comparingLong((Candidate c) -> c.heading().sequence())
                            .reversed());
            for (Candidate c : candidates) {
                Optional<DegradedWrite> entry = whole(p, c.member(), at, c.heading());
                if (entry.isPresent()) { // else torn there: an older one, or the same on another member
                    DegradedWrite e = entry.get();
                    if (e.row() < geometry.rows(pstore) && dirty.get((int) (e.row() / geometry.regionRows()))) {
                        out.put(e.row(), e);
                    }
                    break;
                }
            }
        }
        return out;
    }

    private Optional<DegradedWrite> whole(PStoreIo p, BStore b, long at, DegradedWrite.Heading h) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(h.bytes());
        Map<BStore, CompletableFuture<?>> read = Map.of(b, b.io().read(at, bytes.duplicate()));
        if (MemberRequests.awaitAll(p.timeout(), p.describe(), read) > 0) {
            return Optional.empty();
        }
        return DegradedWrite.decode(bytes, geometry.logSlotBytes());
    }

    /**
     * Runs {@code change} (a member joining again) with no degraded write in flight, after the log
     * is cleared on every member that takes writes: no entry naming that member missing is left
     * for a later repair to trust after writes it took.
     */
    void clearAround(PStoreIo p, IoAction change) throws IOException {
        for (ReentrantLock slot : slots) {
            slot.lock();
        }
        try {
            long length = (long) slots.length * geometry.logSlotBytes();
            MemberRequests.awaitAll(
                    p.timeout(),
                    p.describe(),
                    MemberRequests.toUsable(p.members(), b -> b.io().writeZeroes(geometry.logOffset(), length, false)));
            p.flush();
            change.run();
        } finally {
            for (int i = slots.length - 1; i >= 0; i--) {
                slots[i].unlock();
            }
        }
    }

    /** An action that does I/O. */
    interface IoAction {
        void run() throws IOException;
    }
}
