package dev.cairn.agent.ec;

import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.legs.io.LegConnector;
import dev.cairn.legs.io.LegIo;
import dev.cairn.legs.io.LegTarget;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of a PStore as the agent sees it: where it is, its connection, and whether it may be
 * used. A member goes CONNECTING (no connection yet), IN_SYNC (connected, holds every write), then
 * FAILED (an error, a timeout, a lost connection, or named stale by the PStore's superblock); a
 * failed member is not used again in this attachment: it missed writes, and only a rebuild or a
 * catch-up of the regions it missed may bring it back.
 */
final class BStore {
    private static final Logger log = LoggerFactory.getLogger(BStore.class);
    private static final Duration NOT_YET_RETRY = Duration.ofMillis(100);

    final int index;
    final LegTarget target;
    private volatile LegIo io;
    private volatile String failure;
    /** Connected but missing writes: written, never read, until {@link #caughtUp}. */
    private volatile boolean catchingUp;
    /** Closed by this agent: its connection's loss is no failure. */
    private volatile boolean closed;
    /**
     * The BStore this one is moving to while the agent switches to it ({@link MemberMoves}): once
     * connected, it takes every write this one takes.
     */
    private volatile BStore successor;
    /** How long a write to the successor may take before it is failed (not this member). */
    private volatile Duration successorTimeout = Duration.ZERO;

    BStore(int index, LegTarget target) {
        this.index = index;
        this.target = target;
    }

    /** Connected, not failed and not catching up: takes reads and writes. */
    boolean usable() {
        return io != null && failure == null && !catchingUp;
    }

    /** Connected and not failed (maybe catching up): takes writes. */
    boolean writable() {
        return io != null && failure == null;
    }

    /**
     * Its connection; once it failed (maybe after the caller found it usable, as another request
     * failed it meanwhile), one whose requests all fail, saying why.
     */
    LegIo io() {
        LegIo current = io;
        String failed = failure;
        if (failed != null || current == null) {
            return new FailedIo(this + " " + (failed != null ? "failed: " + failed : "is not connected"));
        }
        BStore next = successor;
        return next != null && next.writable() ? new MirroredIo(current, next, successorTimeout) : current;
    }

    /**
     * From now on (once {@code next} is connected) every write, flush and discard sent to this
     * member goes to {@code next} too; {@code next} failing fails only it. Null: no more.
     */
    void mirrorTo(BStore next, Duration timeout) {
        successorTimeout = timeout;
        successor = next;
    }

    /** The BStore this one is moving to, if the agent is switching to it. */
    Optional<BStore> successor() {
        return Optional.ofNullable(successor);
    }

    /** A member that joins while the volume is served: it takes writes, and is caught up before it is read. */
    static BStore catchingUp(int index, LegTarget target) {
        BStore b = new BStore(index, target);
        b.catchingUp = true;
        return b;
    }

    boolean isCatchingUp() {
        return catchingUp && failure == null;
    }

    /** Caught up: read from now on. */
    void caughtUp() {
        catchingUp = false;
    }

    /**
     * Connects it (before the volume is served); a node that has not applied the attach's
     * generation yet is asked again until {@code deadlineNanos}: failing the member would leave
     * the volume written without it from its first write, a margin lost for nothing.
     */
    void connect(LegConnector connector, long deadlineNanos) {
        while (true) {
            try {
                connected(connector.connect(target));
                return;
            } catch (IOException e) {
                String why = String.valueOf(e.getMessage());
                if (!why.contains(LegTarget.NOT_YET_AT_GENERATION) || System.nanoTime() > deadlineNanos) {
                    fail("could not connect: " + why);
                    return;
                }
            }
            try {
                Thread.sleep(NOT_YET_RETRY);
            } catch (InterruptedException e) {
                fail("interrupted while connecting");
                return;
            }
        }
    }

    /**
     * Connected: used from now on, unless it failed meanwhile (then the connection is closed). A
     * connection lost (its node died or was cut off) fails the member at once, not at its next
     * request: a write then knows before it starts that a data member is missing, and logs it.
     */
    synchronized void connected(LegIo connection) {
        if (failure != null || io != null) {
            connection.close();
            return;
        }
        io = connection;
        CompletableFuture<?> _ = connection.lost().whenComplete((v, e) -> lost(connection));
    }

    @SuppressWarnings("ReferenceEquality") // this very connection, not an equal one
    private void lost(LegIo connection) {
        synchronized (this) {
            if (io != connection || closed) {
                return; // closed by this agent (a detach, a reset before serving)
            }
        }
        fail("its connection was lost");
    }

    /** Before the volume is served only: drops the connection and the failure, to be tried afresh. */
    synchronized void reset() {
        LegIo old = io;
        io = null;
        failure = null;
        if (old != null) {
            old.close();
        }
    }

    /** Fails the member for good in this attachment; the first reason is kept. */
    void fail(String why) {
        LegIo toClose;
        synchronized (this) {
            if (failure != null) {
                return;
            }
            failure = why;
            toClose = io;
        }
        log.warn("{}: failed: {}", this, why);
        if (toClose != null) {
            toClose.close();
        }
    }

    boolean failed() {
        return failure != null;
    }

    Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    LegSyncState state() {
        if (failure != null) {
            return LegSyncState.FAILED;
        }
        if (io == null) {
            return LegSyncState.CONNECTING;
        }
        return catchingUp ? LegSyncState.SYNCING : LegSyncState.IN_SYNC;
    }

    void close() {
        closed = true;
        LegIo current = io;
        if (current != null) {
            current.close();
        }
        BStore next = successor;
        if (next != null) {
            next.close();
        }
    }

    @Override
    public String toString() {
        return "BStore " + index + " (extent " + target.extentId() + " on node " + target.nodeId() + ")";
    }
}
