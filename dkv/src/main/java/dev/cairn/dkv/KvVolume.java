package dev.cairn.dkv;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.concurrent.CompletableFuture;

/**
 * One mirror of a shard as a client reaches it under one layout's epoch: slots read and written
 * whole. Served by a storage node over NBD (a KV volume is an extent of its own kind), or held in
 * memory by the tests. Every write is judged by {@link SlotRule} where the slot is kept, so a write
 * of an older version leaves the slot alone and still completes normally.
 *
 * <p>A future fails with {@link DkvException.StaleEpoch} when the mirror's node has a newer epoch
 * than the handle's (the caller's layout is out of date), and with {@link
 * DkvException.MirrorUnavailable} when the mirror cannot be reached or its I/O fails.
 */
public interface KvVolume {
    /** The number of 4 KiB slots. */
    long slots();

    /** {@code count} slots from {@code first}, as {@code count * 4096} bytes positioned at 0. */
    CompletableFuture<ByteBuffer> read(long first, int count);

    /**
     * Writes the 4 KiB {@code block} (an encoded slot), or several back to back, at {@code slot}
     * on, each under the slot rule; {@code durable} makes them reach stable storage before it
     * completes (NBD's FUA). A block the rule refuses fails the whole write, and none is written.
     */
    CompletableFuture<Void> write(long slot, ByteBuffer block, boolean durable);

    /**
     * Which of the {@code count} slots from {@code first} may hold anything: a slot this volume
     * knows reads as zeroes (never written, as NBD's block status says) is clear. By default every
     * one is set (read them to know).
     */
    default CompletableFuture<BitSet> written(long first, int count) {
        BitSet all = new BitSet(count);
        all.set(0, count);
        return CompletableFuture.completedFuture(all);
    }
}
