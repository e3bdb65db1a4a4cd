package dev.cairn.agent.ec;

import dev.cairn.agent.bitmap.WriteIntentBitmap;
import dev.cairn.legs.header.BitmapFormat;
import dev.cairn.legs.header.PStoreHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.UUID;

/**
 * What a PStore keeps on its members' headers while it is served: the superblock (its event
 * counter and the members failed so far, so that a later attach never reads one that missed a
 * write) and the write-intent bitmap (the regions whose members may disagree). Both are written to
 * every usable member; fewer than {@code k} taking one is an error.
 */
final class PStoreRecord {
    private final UUID volumeId;
    private final long generation;
    private final int index;
    private volatile StripeGeometry geometry;
    private final List<BStore> members;
    private final Duration timeout;
    final WriteIntentBitmap bitmap;
    /** The superblock's event counter, and the failed members the last superblock written names. */
    private long events;

    private BitSet recorded = new BitSet();
    /**
     * Members moving to another node (a drain, the rebalance): in use, named moving in the
     * superblock (the node rebuilding one waits for that), and every region written kept dirty.
     */
    private volatile long movingMask;

    /** {@code recorded} as a mask (a PStore has at most 32 members), read without the lock. */
    private volatile long recordedMask;

    PStoreRecord(
            UUID volumeId,
            long generation,
            int index,
            StripeGeometry geometry,
            List<BStore> members,
            Duration timeout) {
        this.volumeId = volumeId;
        this.generation = generation;
        this.index = index;
        this.geometry = geometry;
        this.members = members;
        this.timeout = timeout;
        this.bitmap = new WriteIntentBitmap(geometry.regions(index), this::writeBitmapPage);
    }

    private String describe() {
        return "PStore " + index;
    }

    /**
     * Makes the superblock name every member failed so far (or catching up), on the usable
     * members, before a write that skipped one is acknowledged: a later attach then never reads a
     * member that missed it. Whoever finds the record behind writes it, others wait.
     */
    void recordFailures() throws IOException {
        // Every write passes here: while the members that are not usable are the recorded ones, it
        // returns without taking the lock.
        if (mask() == recordedMask) {
            return;
        }
        synchronized (this) {
            BitSet now = failedNow();
            while (!now.equals(recorded)) {
                writeHeaders(now);
                markRecorded(now);
                now = failedNow();
            }
        }
    }

    private void markRecorded(BitSet failed) {
        recorded = failed;
        long[] words = failed.toLongArray();
        recordedMask = words.length == 0 ? 0 : words[0];
    }

    /** Member {@code index} is moving to another node ({@code on}), or not any more. */
    synchronized void moving(int index, boolean on) {
        movingMask = on ? movingMask | 1L << index : movingMask & ~(1L << index);
    }

    boolean isMoving(int index) {
        return (movingMask & 1L << index) != 0;
    }

    /** Whether a member is moving: the bitmap holds every bit until it has moved. */
    boolean anyMoving() {
        return movingMask != 0;
    }

    private long mask() {
        long mask = movingMask << PStoreHeader.MOVING;
        for (BStore b : members) {
            if (!b.usable()) {
                mask |= 1L << b.index;
            }
        }
        return mask;
    }

    /** Writes a superblock of the next event to every usable member now, then as {@link #recordFailures}. */
    synchronized void recordNow() throws IOException {
        BitSet now = failedNow();
        writeHeaders(now);
        markRecorded(now);
        recordFailures();
    }

    /** The volume grew to {@code next}: the bitmap gets the regions of this PStore's new rows, clean. */
    void grow(StripeGeometry next) {
        geometry = next;
        bitmap.grow(next.regions(index));
    }

    /** Continues the event count of the superblock read at attach. */
    synchronized void startFrom(long readEvents, BitSet readFailed) {
        events = readEvents;
        markRecorded((BitSet) readFailed.clone());
    }

    /**
     * What the superblock names now: the members not usable (failed), and those moving (from bit
     * {@link PStoreHeader#MOVING} on).
     */
    BitSet failedNow() {
        BitSet out = BitSet.valueOf(new long[] {movingMask << PStoreHeader.MOVING});
        members.stream().filter(b -> !b.usable()).forEach(b -> out.set(b.index));
        return out;
    }

    /** Writes the superblock (next event, {@code failed}) to every usable member, durably. */
    private void writeHeaders(BitSet failed) throws IOException {
        events++;
        long event = events;
        MemberRequests.awaitAll(
                timeout,
                describe(),
                MemberRequests.toUsable(
                        members,
                        b -> b.io().write(
                                        0,
                                        geometry.header(volumeId, index, b.index, generation, event, failed)
                                                .encode(),
                                        true)));
        requireK("its superblock");
    }

    private void writeBitmapPage(int page, ByteBuffer bytes) throws IOException {
        long at = PStoreHeader.BITMAP_OFFSET + (long) page * BitmapFormat.PAGE_BYTES;
        MemberRequests.awaitAll(
                timeout, describe(), MemberRequests.toUsable(members, b -> b.io().write(at, bytes.duplicate(), true)));
        requireK("its write-intent bitmap");
    }

    private void requireK(String what) throws IOException {
        long usable = members.stream().filter(BStore::usable).count();
        if (usable < geometry.k()) {
            throw new IOException(describe() + ": only " + usable + " of " + geometry.width() + " BStores took " + what
                    + ", " + geometry.k() + " needed");
        }
    }
}
