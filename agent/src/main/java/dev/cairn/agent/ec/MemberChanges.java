package dev.cairn.agent.ec;

import dev.cairn.legs.io.LegConnector;
import dev.cairn.legs.io.LegTarget;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the agent does when the controller changes a served volume's BStores (a reprotect):
 *
 * <ul>
 *   <li>a member marked moving is being rebuilt on another node while it is well (a drain, the
 *       rebalance): it stays in use, the superblock names it moving from then on (the node
 *       rebuilding it waits for that; an attach after a crash still takes it as holding every
 *       write) and the bitmap keeps every region written dirty, so that its replacement can be
 *       caught up;
 *   <li>a member marked kept is being rebuilt on another drive: it is failed at once (unless that
 *       would leave fewer than {@code k} usable: the controller took it for lost, this agent still
 *       reads it; its rebuild then waits), and the
 *       superblock naming it failed is written before anything else, so the node rebuilding it can
 *       start (every region written from then on stays dirty until its replacement caught up);
 *   <li>a member moving whose extent changed has moved: its new BStore was filled while the old one
 *       stayed in use, and the agent switches to it without a moment with a BStore less ({@link
 *       MemberMoves});
 *   <li>any other member whose extent changed is the rebuilt replacement: its old BStore is failed, the new
 *       one connected and written to at once, and caught up online ({@link #catchUp}): every dirty
 *       region's rows rebuilt into it under the rows' locks; then it is read from, and a superblock
 *       no longer naming it failed is written.
 * </ul>
 *
 * Before the volume is served, a replacement simply takes its place: the assembly reads its header
 * (written by the node that rebuilt it) and catches it up with the others.
 */
final class MemberChanges {
    private static final Logger log = LoggerFactory.getLogger(MemberChanges.class);

    private MemberChanges() {}

    /** Applies the change from {@code now} to {@code next}; I/O runs on {@code background}. */
    static void apply(
            List<PStoreIo> pstores,
            EcSpec now,
            EcSpec next,
            boolean serving,
            LegConnector connector,
            Executor background) {
        for (int p = 0; p < pstores.size(); p++) {
            PStoreIo io = pstores.get(p);
            boolean fail = false;
            for (int i = 0; i < next.geometry().width(); i++) {
                LegTarget want = next.pstores().get(p).get(i);
                BStore b = io.members().get(i);
                if (want.kept()) {
                    if (b.usable() && io.usable() <= next.geometry().k()) {
                        // The controller takes it for lost but this agent still reads it, and without it
                        // fewer than k would be left: it stays, and its rebuild waits (for the superblock
                        // naming it failed) until another member is back.
                        log.warn(
                                "{}: {} is being rebuilt elsewhere but stays in use: without it fewer than {}"
                                        + " BStores would be left",
                                io.describe(),
                                b,
                                next.geometry().k());
                    } else {
                        if (!b.failed()) {
                            b.fail("being rebuilt on another drive (reprotect)");
                        }
                        // Failed now or before (its connection dropped, and no write has written the
                        // superblock since): the node rebuilding it waits for the superblock naming it.
                        fail = true;
                    }
                } else if (!want.extentId().equals(b.target.extentId())) {
                    if (serving && b.usable() && io.record.isMoving(i)) {
                        MemberMoves.start(io, b, want, connector, background); // no BStore less meanwhile
                    } else {
                        replace(io, b, want, serving, connector, background);
                    }
                } else if (want.moving() != io.record.isMoving(i)) {
                    // Moving to another node: kept in use, named moving in the superblock (the node
                    // rebuilding it waits for that), every region written kept dirty for its
                    // replacement.
                    io.record.moving(i, want.moving());
                    fail = true;
                }
            }
            if (fail && serving) {
                background.execute(() -> record(io));
            }
        }
    }

    /**
     * Member {@code b} of {@code io} is left for its rebuilt replacement {@code want}: failed, and
     * the replacement connected and caught up on {@code background} (when served), or simply put in
     * its place (before).
     */
    static void replace(
            PStoreIo io, BStore b, LegTarget want, boolean serving, LegConnector connector, Executor background) {
        io.record.moving(b.index, false);
        b.fail("replaced by its rebuilt BStore " + want.extentId());
        BStore joining = serving ? BStore.catchingUp(b.index, want) : new BStore(b.index, want);
        io.replace(joining);
        if (serving) {
            background.execute(() -> join(io, joining, connector));
        } else {
            b.close();
        }
    }

    /** Writes the superblock naming the members that are not usable now (a failure is logged, not thrown). */
    private static void record(PStoreIo p) {
        try {
            p.record.recordFailures();
        } catch (IOException e) {
            log.warn("{}: the superblock naming a member being rebuilt failed: {}", p.describe(), e.getMessage());
        }
    }

    private static void join(PStoreIo p, BStore b, LegConnector connector) {
        try {
            b.connected(connector.connect(b.target));
        } catch (IOException e) {
            b.fail("could not join: " + e.getMessage());
            record(p);
            return;
        }
        catchUpOrFail(p, b);
    }

    /** {@link #catchUp}; whether it did. If not, {@code b} is failed and the superblock names it. */
    static boolean catchUpOrFail(PStoreIo p, BStore b) {
        try {
            catchUp(p, b);
            return true;
        } catch (IOException e) {
            b.fail("could not catch up: " + e.getMessage());
        } catch (RuntimeException e) {
            log.error("{}: {} could not catch up (a bug)", p.describe(), b, e);
            b.fail("could not catch up: " + e);
        }
        record(p);
        return false;
    }

    /**
     * Catches {@code b} (connected, catching up: it takes every write already) up: each row of
     * every region the bitmap holds dirty now is made consistent on it, under the row's lock, from
     * members that hold every write. Regions dirtied later were written to it too. Then it is read
     * from (the degraded-write log cleared first: its entries name it missing), and the superblock
     * no longer names it.
     */
    static void catchUp(PStoreIo p, BStore b) throws IOException {
        p.record.recordFailures();
        List<Long> dirty = p.record.bitmap.dirtyRegions();
        StripeGeometry g = p.geometry();
        long rows = g.rows(p.index());
        for (long region : dirty) {
            for (long row = region * g.regionRows(); row < Math.min(rows, (region + 1) * g.regionRows()); row++) {
                ReentrantLock lock = p.lockOf(row);
                lock.lock();
                try {
                    RowRepair.repair(p, row, Set.of(b.index), Set.of(b.index), Optional.empty());
                } finally {
                    lock.unlock();
                }
                if (b.failed()) {
                    throw new IOException(
                            b + " failed while catching up: " + b.failure().orElse("?"));
                }
            }
        }
        p.log.clearAround(p, () -> {
            synchronized (p.record) {
                b.caughtUp();
                p.record.recordNow();
            }
        });
        p.record.bitmap.rewriteAll();
        p.counters.repairedRegions.add(dirty.size());
        log.info("{}: {} caught up over {} dirty regions; in sync", p.describe(), b, dirty.size());
    }
}
