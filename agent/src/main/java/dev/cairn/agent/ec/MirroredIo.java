package dev.cairn.agent.ec;

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
 * MemberMoves}): reads come from the old BStore; writes, flushes and discards go to both, and
 * complete when both did. The new BStore failing (an error, or no answer within half the BStore
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

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return both(old.write(offset, src.duplicate(), fua), () -> next.io().write(offset, src.duplicate(), fua));
    }

    @Override
    public CompletableFuture<Void> flush() {
        return both(old.flush(), () -> next.io().flush());
    }

    @Override
    public CompletableFuture<Void> trim(long offset, long length) {
        return both(old.trim(offset, length), () -> next.io().trim(offset, length));
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayTrim) {
        return both(old.writeZeroes(offset, length, mayTrim), () -> next.io().writeZeroes(offset, length, mayTrim));
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
