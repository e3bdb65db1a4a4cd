package dev.cairn.agent.ec;

import dev.cairn.legs.io.LegConnector;
import dev.cairn.legs.io.LegTarget;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The switch of a served PStore's moving member to the BStore its node filled (a drain, the
 * rebalance), without a moment with a BStore less: the old BStore stays the member, read and
 * written, while the new one is connected and takes every write the old one takes ({@link
 * MirroredIo}); then every region the bitmap holds dirty (every region written since the move
 * began: no bit clears while a member moves) is copied from the old BStore to the new one, row by
 * row under the rows' locks, so no write lands between a row's read and its copy; regions written
 * later went to both. Then, with the degraded-write log cleared around it, the new BStore is the
 * member, the superblock no longer names the member moving, the bitmap is written to every member,
 * and the old BStore is closed (the controller keeps it until this agent's report no longer names
 * it).
 *
 * <p>If the new BStore cannot be connected or fails, or the old one fails, the switch falls back to
 * the rebuilt-replacement path of {@link MemberChanges}: the old BStore is left and the new one is
 * caught up from the others.
 */
final class MemberMoves {
    private static final Logger log = LoggerFactory.getLogger(MemberMoves.class);

    private MemberMoves() {}

    /**
     * Starts switching member {@code old} of {@code p} to {@code want} on {@code background}, unless
     * it is switching to it already (a view repeated while it copies).
     */
    static void start(PStoreIo p, BStore old, LegTarget want, LegConnector connector, Executor background) {
        if (old.successor()
                .filter(s -> s.target.extentId().equals(want.extentId()))
                .isPresent()) {
            return;
        }
        old.successor().ifPresent(s -> s.fail("superseded by extent " + want.extentId()));
        BStore next = new BStore(old.index, want);
        old.mirrorTo(next, p.timeout());
        background.execute(() -> run(p, old, next, connector));
    }

    private static void run(PStoreIo p, BStore old, BStore next, LegConnector connector) {
        try {
            next.connected(connector.connect(next.target));
            // From here on every write to the old BStore goes to the new one too.
            List<Long> dirty = p.record.bitmap.dirtyRegions();
            copy(p, old, next, dirty);
            switchTo(p, old, next, dirty.size());
        } catch (InterruptedIOException | AttachmentFenced e) {
            next.close(); // the volume is being closed, or attached elsewhere: nothing to fall back to
        } catch (IOException | RuntimeException e) {
            String why = e instanceof IOException ? e.getMessage() : e.toString();
            if (e instanceof RuntimeException) {
                log.error("{}: the switch of {} to {} failed (a bug)", p.describe(), old, next, e);
            }
            next.fail("the switch to it failed: " + why);
            fallBack(p, old, next, connector, why);
        }
    }

    /** Copies the rows of {@code dirty} regions from {@code old} to {@code next}, each under its lock. */
    private static void copy(PStoreIo p, BStore old, BStore next, List<Long> dirty) throws IOException {
        StripeGeometry g = p.geometry();
        long rows = g.rows(p.index());
        ByteBuffer chunk = ByteBuffer.allocate(g.chunkBytes());
        for (long region : dirty) {
            for (long row = region * g.regionRows(); row < Math.min(rows, (region + 1) * g.regionRows()); row++) {
                long at = g.offsetOnBStore(row, 0);
                ReentrantLock lock = p.lockOf(row);
                lock.lock();
                try {
                    chunk.clear();
                    MemberRequests.awaitAll(
                            p.timeout(), p.describe(), Map.of(old, old.io().read(at, chunk.duplicate())));
                    if (!old.usable()) {
                        throw new IOException(old + " failed while copied from: "
                                + old.failure().orElse("?"));
                    }
                    MemberRequests.awaitAll(
                            p.timeout(), p.describe(), Map.of(next, next.io().write(at, chunk.duplicate(), false)));
                } finally {
                    lock.unlock();
                }
                if (!next.writable()) {
                    throw new IOException(
                            next + " failed while copied to: " + next.failure().orElse("?"));
                }
            }
        }
    }

    /**
     * {@code next} holds every write {@code old} holds: it is the member from now on. Under every
     * row lock (taken first, in order, as writes take theirs), so that no write that picked the old
     * BStore is still on its way to it alone.
     */
    private static void switchTo(PStoreIo p, BStore old, BStore next, int copied) throws IOException {
        List<ReentrantLock> held = new ArrayList<>();
        try {
            for (int r = 0; r < PStoreIo.LOCKS; r++) {
                ReentrantLock lock = p.lockOf(r);
                lock.lock();
                held.add(lock);
            }
            p.log.clearAround(p, () -> {
                synchronized (p.record) {
                    if (!next.writable() || !old.usable() || !switching(p, old, next)) {
                        throw new IOException("a BStore failed or the view changed before the switch: "
                                + next.failure().or(old::failure).orElse("superseded"));
                    }
                    p.replace(next);
                    old.mirrorTo(null, p.timeout());
                    p.record.moving(old.index, false);
                    p.record.recordNow();
                }
            });
        } finally {
            held.reversed().forEach(ReentrantLock::unlock);
        }
        p.record.bitmap.rewriteAll();
        old.close();
        p.counters.repairedRegions.add(copied);
        log.info(
                "{}: member {} moved from extent {} to {}: {} dirty regions copied from the old BStore, in use until now",
                p.describe(),
                old.index,
                old.target.extentId(),
                next.target.extentId(),
                copied);
    }

    /** Whether {@code old} is still the member and switching to {@code next}. */
    private static boolean switching(PStoreIo p, BStore old, BStore next) {
        return p.members().get(old.index) == old
                && old.successor().filter(s -> s == next).isPresent();
    }

    /**
     * The switch failed: unless the member changed meanwhile (another view), the old BStore is
     * left and the new one joins as a rebuilt replacement does.
     */
    private static void fallBack(PStoreIo p, BStore old, BStore next, LegConnector connector, String why) {
        if (!switching(p, old, next)) {
            return;
        }
        old.mirrorTo(null, p.timeout());
        log.warn(
                "{}: {} could not be switched to {} ({}); it is caught up from the others",
                p.describe(),
                old,
                next,
                why);
        MemberChanges.replace(p, old, next.target, true, connector, Runnable::run);
    }
}
