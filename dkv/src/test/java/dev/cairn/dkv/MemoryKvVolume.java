package dev.cairn.dkv;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.concurrent.CompletableFuture;

/**
 * A KV volume in memory, for tests: slots in a byte array, every write judged by {@link SlotRule}
 * as a storage node judges it, fenced by an epoch the test sets as the controller would. Faults: the
 * volume can be down (every I/O fails), a slot can be damaged (a byte flipped) or torn (only the
 * first sectors of a write land).
 */
public final class MemoryKvVolume {
    private static final int SECTOR = 512;

    private final byte[] data;
    private long epoch;
    private boolean down;
    private long slotsRead;

    public MemoryKvVolume(long slots) {
        this.data = new byte[Math.toIntExact(slots * SlotCodec.SLOT_BYTES)];
    }

    /** This volume as a client holding a layout of {@code epoch} reaches it. */
    public KvVolume under(long handleEpoch) {
        return new KvVolume() {
            @Override
            public long slots() {
                return data.length / SlotCodec.SLOT_BYTES;
            }

            @Override
            public CompletableFuture<ByteBuffer> read(long first, int count) {
                return answer(() -> readNow(handleEpoch, first, count));
            }

            @Override
            public CompletableFuture<BitSet> written(long first, int count) {
                return answer(() -> writtenNow(handleEpoch, first, count));
            }

            @Override
            public CompletableFuture<Void> write(long slot, ByteBuffer block, boolean durable) {
                return answer(() -> {
                    writeNow(handleEpoch, slot, block);
                    return null;
                });
            }
        };
    }

    /** What the volume does now, for a handle. */
    private interface Now<T> {
        T call() throws DkvException;
    }

    /** {@code now}'s result as a future, done already; failed when it threw. */
    private static <T> CompletableFuture<T> answer(Now<T> now) {
        try {
            return CompletableFuture.completedFuture(now.call());
        } catch (DkvException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** As a sparse file answers block status: a slot of zeroes reads as a hole. */
    public synchronized BitSet writtenNow(long handleEpoch, long first, int count) throws DkvException {
        check(handleEpoch, first, count);
        BitSet out = new BitSet(count);
        for (int i = 0; i < count; i++) {
            int at = (int) (first + i) * SlotCodec.SLOT_BYTES;
            for (int b = at; b < at + SlotCodec.SLOT_BYTES; b++) {
                if (data[b] != 0) {
                    out.set(i);
                    break;
                }
            }
        }
        return out;
    }

    /** Slots read so far. */
    public synchronized long slotsRead() {
        return slotsRead;
    }

    public synchronized ByteBuffer readNow(long handleEpoch, long first, int count) throws DkvException {
        check(handleEpoch, first, count);
        slotsRead += count;
        ByteBuffer out = ByteBuffer.allocate(count * SlotCodec.SLOT_BYTES);
        out.put(data, (int) first * SlotCodec.SLOT_BYTES, count * SlotCodec.SLOT_BYTES);
        return out.flip();
    }

    /** Writes one block, or several back to back (all judged first: one refused writes none). */
    public synchronized void writeNow(long handleEpoch, long slot, ByteBuffer blocks) throws DkvException {
        int count = blocks.remaining() / SlotCodec.SLOT_BYTES;
        check(handleEpoch, slot, Math.max(1, count));
        boolean[] write = new boolean[count];
        for (int i = 0; i < count; i++) {
            ByteBuffer block = blocks.slice(blocks.position() + i * SlotCodec.SLOT_BYTES, SlotCodec.SLOT_BYTES);
            SlotRead incoming = SlotCodec.decode(block);
            if (!(incoming instanceof SlotRead.Valid(Slot s))) {
                throw new DkvException.Refused("slot " + (slot + i) + ": the block written is not a slot: " + incoming);
            }
            SlotRead stored = SlotCodec.decode(
                    ByteBuffer.wrap(data, (int) (slot + i) * SlotCodec.SLOT_BYTES, SlotCodec.SLOT_BYTES));
            switch (SlotRule.judge(stored, s)) {
                case WRITE -> write[i] = true;
                case KEEP -> {}
                case REFUSE -> throw new DkvException.Refused("slot " + (slot + i) + " holds another key: " + stored);
            }
        }
        for (int i = 0; i < count; i++) {
            if (write[i]) {
                blocks.slice(blocks.position() + i * SlotCodec.SLOT_BYTES, SlotCodec.SLOT_BYTES)
                        .get(data, (int) (slot + i) * SlotCodec.SLOT_BYTES, SlotCodec.SLOT_BYTES);
            }
        }
    }

    private void check(long handleEpoch, long first, int count) throws DkvException {
        if (down) {
            throw new DkvException.MirrorUnavailable("the volume is down", null);
        }
        if (handleEpoch < epoch) {
            throw new DkvException.StaleEpoch("epoch " + handleEpoch + " is older than the volume's " + epoch);
        }
        if (first < 0 || count < 1 || first + count > data.length / SlotCodec.SLOT_BYTES) {
            throw new IllegalArgumentException("slots " + first + "+" + count + " outside the volume");
        }
    }

    /** Fences out every handle of an older epoch, as the controller's new quorum does. */
    public synchronized void epoch(long newEpoch) {
        epoch = newEpoch;
    }

    public synchronized void down(boolean isDown) {
        down = isDown;
    }

    public synchronized boolean isDown() {
        return down;
    }

    /** Flips one bit of slot {@code slot}'s byte {@code at}. */
    public synchronized void damage(long slot, int at) {
        data[(int) slot * SlotCodec.SLOT_BYTES + at] ^= 0x10;
    }

    /**
     * A node crashing in the middle of a write of {@code block} at {@code slot}: if the slot rule lets
     * the write through (the node judges before it writes), only its first {@code sectors} 512-byte
     * sectors land.
     */
    public synchronized void tearWrite(long slot, ByteBuffer block, int sectors) {
        SlotRead stored =
                SlotCodec.decode(ByteBuffer.wrap(data, (int) slot * SlotCodec.SLOT_BYTES, SlotCodec.SLOT_BYTES));
        if (SlotCodec.decode(block) instanceof SlotRead.Valid(Slot s)
                && SlotRule.judge(stored, s) == SlotRule.Verdict.WRITE) {
            tear(slot, block, sectors);
        }
    }

    /** Writes only the first {@code sectors} 512-byte sectors of {@code block} at {@code slot}, whatever it holds. */
    public synchronized void tear(long slot, ByteBuffer block, int sectors) {
        block.duplicate()
                .limit(block.position() + sectors * SECTOR)
                .get(data, (int) slot * SlotCodec.SLOT_BYTES, sectors * SECTOR);
    }

    /** The slot's bytes as they are. */
    public synchronized ByteBuffer raw(long slot) {
        return ByteBuffer.wrap(data.clone(), (int) slot * SlotCodec.SLOT_BYTES, SlotCodec.SLOT_BYTES)
                .slice();
    }
}
