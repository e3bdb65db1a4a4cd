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
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executor;

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
        private final Object[] stripes = new Object[STRIPES];

        SlotLocks() {
            for (int i = 0; i < STRIPES; i++) {
                stripes[i] = new Object();
            }
        }

        Object of(long slot) {
            return stripes[(int) Math.floorMod(slot, (long) STRIPES)];
        }
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        admit();
        int length = src.remaining();
        if (offset % SlotCodec.SLOT_BYTES != 0 || length % SlotCodec.SLOT_BYTES != 0) {
            throw new NbdException(
                    NbdProtocol.EINVAL,
                    "a KV volume takes whole 4 KiB slots at slot boundaries; got " + length + " bytes at " + offset);
        }
        for (int at = 0; at < length; at += SlotCodec.SLOT_BYTES) {
            ByteBuffer block = src.slice(src.position() + at, SlotCodec.SLOT_BYTES);
            long slot = (offset + at) / SlotCodec.SLOT_BYTES;
            if (!(SlotCodec.decode(block) instanceof SlotRead.Valid(Slot incoming))) {
                throw new NbdException(
                        NbdProtocol.EINVAL,
                        "slot " + slot + ": what was written is not a slot: " + SlotCodec.decode(block));
            }
            synchronized (locks.of(slot)) {
                ByteBuffer stored = ByteBuffer.allocate(SlotCodec.SLOT_BYTES);
                extent.read(offset + at, stored);
                SlotRead was = SlotCodec.decode(stored.flip());
                switch (SlotRule.judge(was, incoming)) {
                    case WRITE -> {
                        extent.write(offset + at, block, fua);
                        observer.slot(was instanceof SlotRead.Corrupt ? SlotWrite.REPAIRED : SlotWrite.WRITTEN);
                    }
                    case KEEP -> {
                        if (fua) {
                            extent.flush();
                        }
                        observer.slot(SlotWrite.KEPT);
                    }
                    case REFUSE -> {
                        observer.slot(SlotWrite.REFUSED);
                        throw new NbdException(
                                NbdProtocol.EINVAL,
                                "slot " + slot + " holds another key than " + incoming.key()
                                        + ": the writer's layout is wrong");
                    }
                }
            }
        }
        src.position(src.limit());
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
