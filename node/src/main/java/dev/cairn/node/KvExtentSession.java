package dev.cairn.node;

import dev.cairn.dkv.Slot;
import dev.cairn.dkv.SlotCodec;
import dev.cairn.dkv.SlotRead;
import dev.cairn.dkv.SlotRule;
import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.NbdException;
import dev.cairn.nbd.NbdProtocol;
import dev.cairn.nbd.server.ExportFeatures;
import dev.cairn.nbd.server.ExportSession;
import dev.cairn.nbd.server.RequestObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One NBD connection's use of a KV volume (an extent of kind KV), bound to the epoch it opened
 * with like any extent session (a newer epoch fences it: EPERM). Reads are plain. A write must be
 * whole 4 KiB slots at slot boundaries, each a slot whose checksum holds; each is judged by {@link
 * SlotRule} against what the slot holds, under that slot's lock: written if it is newer, left
 * alone if the slot holds it or something newer (the write still succeeds), refused with EINVAL if
 * the slot holds another key. Trim and write-zeroes are refused: they would erase slots without a
 * version.
 */
final class KvExtentSession implements ExportSession {
    private final ExtentSession extent;
    private final SlotLocks locks;
    private final UUID id;
    private final KvGate gate;
    private final SlotObserver observer;

    /** What became of a slot written: the node's meters count them. */
    enum SlotWrite {
        /** Newer than what the slot held: written. */
        WRITTEN,
        /** Written over a slot whose checksum failed (torn or damaged): a checksum repair. */
        REPAIRED,
        /** The slot held it, or something newer: left alone. */
        KEPT,
        /** The slot holds another key: refused. */
        REFUSED
    }

    /** Told of every slot written. */
    @FunctionalInterface
    interface SlotObserver {
        SlotObserver NONE = w -> {};

        void slot(SlotWrite what);
    }

    /**
     * KV volume {@code id}, served while {@code gate} allows it (ESHUTDOWN otherwise); {@code
     * observer} is told of every slot written.
     */
    KvExtentSession(ExtentSession extent, SlotLocks locks, UUID id, KvGate gate, SlotObserver observer) {
        this.extent = extent;
        this.locks = locks;
        this.id = id;
        this.gate = gate;
        this.observer = observer;
    }

    private void admit() throws NbdException {
        Optional<String> refused = gate.refusal(id);
        if (refused.isPresent()) {
            throw new NbdException(NbdProtocol.ESHUTDOWN, refused.get());
        }
    }

    /** The locks of one KV volume's slots, shared by its connections: a slot is judged and written by one at a time. */
    static final class SlotLocks {
        private static final int STRIPES = 64;
        private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];

        SlotLocks() {
            for (int i = 0; i < STRIPES; i++) {
                stripes[i] = new ReentrantLock();
            }
        }

        /** Locks the stripes of slots {@code first} to {@code first + count - 1}, in stripe order; the locks held. */
        List<ReentrantLock> lockAll(long first, int count) {
            TreeSet<Integer> touched = new TreeSet<>();
            for (long slot = first; slot < first + count && touched.size() < STRIPES; slot++) {
                touched.add((int) Math.floorMod(slot, (long) STRIPES));
            }
            List<ReentrantLock> held = new ArrayList<>();
            for (int stripe : touched) {
                stripes[stripe].lock();
                held.add(stripes[stripe]);
            }
            return held;
        }
    }

    /**
     * Writes whole slots: every one must decode, and every one is judged against what its slot
     * holds (read once for all of them) before anything is written, so a request with a slot
     * refused writes nothing; runs of slots to write go to the drive as one write each (a shard's
     * recovery writes 64 slots at once, where one read and one write per slot queued behind a busy
     * drive's rebuild I/O for minutes).
     */
    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        admit();
        int length = src.remaining();
        if (offset % SlotCodec.SLOT_BYTES != 0 || length % SlotCodec.SLOT_BYTES != 0) {
            throw new NbdException(
                    NbdProtocol.EINVAL,
                    "a KV volume takes whole 4 KiB slots at slot boundaries; got " + length + " bytes at " + offset);
        }
        int count = length / SlotCodec.SLOT_BYTES;
        long first = offset / SlotCodec.SLOT_BYTES;
        Slot[] incoming = new Slot[count];
        for (int i = 0; i < count; i++) {
            SlotRead block =
                    SlotCodec.decode(src.slice(src.position() + i * SlotCodec.SLOT_BYTES, SlotCodec.SLOT_BYTES));
            if (!(block instanceof SlotRead.Valid(Slot s))) {
                throw new NbdException(
                        NbdProtocol.EINVAL, "slot " + (first + i) + ": what was written is not a slot: " + block);
            }
            incoming[i] = s;
        }
        List<ReentrantLock> held = locks.lockAll(first, count);
        try {
            writeJudged(offset, src, fua, incoming);
        } finally {
            held.reversed().forEach(ReentrantLock::unlock);
        }
        src.position(src.limit());
    }

    /** Judges every slot against what it holds, then writes the runs of newer ones; caller holds their locks. */
    private void writeJudged(long offset, ByteBuffer src, boolean fua, Slot[] incoming) throws IOException {
        int count = incoming.length;
        ByteBuffer stored = ByteBuffer.allocate(count * SlotCodec.SLOT_BYTES);
        extent.read(offset, stored);
        SlotWrite[] outcome = new SlotWrite[count];
        for (int i = 0; i < count; i++) {
            SlotRead was = SlotCodec.decode(stored.slice(i * SlotCodec.SLOT_BYTES, SlotCodec.SLOT_BYTES));
            outcome[i] = switch (SlotRule.judge(was, incoming[i])) {
                case WRITE -> was instanceof SlotRead.Corrupt ? SlotWrite.REPAIRED : SlotWrite.WRITTEN;
                case KEEP -> SlotWrite.KEPT;
                case REFUSE -> {
                    observer.slot(SlotWrite.REFUSED);
                    throw new NbdException(
                            NbdProtocol.EINVAL,
                            "slot " + (offset / SlotCodec.SLOT_BYTES + i) + " holds another key than "
                                    + incoming[i].key() + ": the writer's layout is wrong");
                }
            };
        }
        boolean kept = false;
        for (int i = 0; i < count; ) {
            if (outcome[i] == SlotWrite.KEPT) {
                kept = true;
                i++;
                continue;
            }
            int end = i;
            while (end < count && outcome[end] != SlotWrite.KEPT) {
                end++;
            }
            int at = i * SlotCodec.SLOT_BYTES;
            extent.write(offset + at, src.slice(src.position() + at, (end - i) * SlotCodec.SLOT_BYTES), fua);
            i = end;
        }
        if (kept && fua) {
            extent.flush(); // what the slot holds is durable, as a write of it would be
        }
        for (SlotWrite w : outcome) {
            observer.slot(w);
        }
    }

    @Override
    public boolean tryWrite(long offset, ByteBuffer src) {
        return false;
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws IOException {
        throw new NbdException(NbdProtocol.EINVAL, "a KV volume takes whole slots only: no trim");
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayTrim, boolean fua) throws IOException {
        throw new NbdException(NbdProtocol.EINVAL, "a KV volume takes whole slots only: no write-zeroes");
    }

    @Override
    public String name() {
        return extent.name();
    }

    @Override
    public String description() {
        return "KV volume: " + extent.description();
    }

    @Override
    public long sizeBytes() {
        return extent.sizeBytes();
    }

    @Override
    public ExportFeatures features() {
        return extent.features();
    }

    @Override
    public Executor executor() {
        return extent.executor();
    }

    @Override
    public RequestObserver observer() {
        return extent.observer();
    }

    @Override
    public Optional<ByteBuffer> residentView(long offset, int length) throws IOException {
        return gate.refusal(id).isPresent() ? Optional.empty() : extent.residentView(offset, length);
    }

    @Override
    public boolean tryRead(long offset, ByteBuffer dst) throws IOException {
        return gate.refusal(id).isEmpty() && extent.tryRead(offset, dst); // refused: read() says why
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        admit();
        extent.read(offset, dst);
    }

    @Override
    public void flush() throws IOException {
        admit();
        extent.flush();
    }

    @Override
    public List<BlockStatus> blockStatus(long offset, long length, int maxDescriptors) throws IOException {
        admit();
        return extent.blockStatus(offset, length, maxDescriptors);
    }

    @Override
    public void close() {
        extent.close();
    }
}
