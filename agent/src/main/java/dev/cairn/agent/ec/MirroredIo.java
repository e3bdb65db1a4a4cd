package dev.cairn.agent.ec;

import dev.cairn.legs.header.PStoreHeader;
import dev.cairn.legs.io.LegIo;
import dev.cairn.nbd.BlockStatus;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A moving member's connection while the agent switches it to its new BStore ({@link
 * MemberMoves}): reads come from the old BStore; writes, flushes and discards go to both (but
 * for the superblock), and complete when both did. The new BStore failing (an error, or no answer within half the BStore
 * timeout, so that the old one's own timeout is never what runs out) fails only the new one: the
 * member is the old BStore, well and in use, and the switch falls back.
 */
final class MirroredIo implements LegIo {
    private final LegIo old;
    private final BStore next;
    private final Duration timeout;

    MirroredIo(LegIo old, BStore next, Duration timeout) {
        this.old = old;
        this.next = next;
        this.timeout = timeout;
    }

    @Override
    public long sizeBytes() {
        return old.sizeBytes();
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return old.read(offset, dst);
    }

    /**
     * Not the superblock: the new BStore's own names it stale (its node wrote it so) until the
     * switch writes the PStore's to it, so that an attach after the agent died mid-switch catches it
     * up rather than trusting it as holding every write.
     */
    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        CompletableFuture<Void> toOld = old.write(offset, src.duplicate(), fua);
        int skip = Math.clamp(PStoreHeader.BYTES - offset, 0, src.remaining());
        if (skip == src.remaining()) {
            return toOld;
        }
        ByteBuffer rest = src.duplicate();
        rest.position(rest.position() + skip);
        return both(toOld, () -> next.io().write(offset + skip, rest, fua));
    }

    @Override
    public CompletableFuture<Void> flush() {
        return both(old.flush(), () -> next.io().flush());
    }

    @Override
    public CompletableFuture<Void> trim(long offset, long length) {
        long skip = Math.clamp(PStoreHeader.BYTES - offset, 0, length);
        return skip == length
                ? old.trim(offset, length)
                : both(old.trim(offset, length), () -> next.io().trim(offset + skip, length - skip));
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayTrim) {
        long skip = Math.clamp(PStoreHeader.BYTES - offset, 0, length);
        return skip == length
                ? old.writeZeroes(offset, length, mayTrim)
                : both(
                        old.writeZeroes(offset, length, mayTrim),
                        () -> next.io().writeZeroes(offset + skip, length - skip, mayTrim));
    }

    @Override
    public CompletableFuture<List<BlockStatus>> blockStatus(long offset, long length) {
        return old.blockStatus(offset, length);
    }

    @Override
    public CompletableFuture<?> lost() {
        return old.lost();
    }

    /** The old BStore's connection is its member's, closed by it; nothing to close here. */
    @Override
    public void close() {}

    private CompletableFuture<Void> both(CompletableFuture<Void> toOld, Supplier<CompletableFuture<Void>> toNext) {
        CompletableFuture<Void> mirrored = toNext.get()
                .orTimeout(Math.max(1, timeout.toMillis() / 2), TimeUnit.MILLISECONDS)
                .handle((v, e) -> {
                    if (e != null) {
                        next.fail("while the agent switched to it: " + LegIo.describe(e));
                    }
                    return null;
                });
        return toOld.thenCombine(mirrored, (a, b) -> null);
    }
}
