package dev.cairn.agent.replica;

import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.legs.header.LegHeader;
import dev.cairn.legs.io.LegIo;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The legs of one attached volume and their states. It owns every state change (under its
 * monitor), sends a request to several legs at once with a timeout, and keeps the superblocks
 * true: whenever the set of in-sync legs changes, the event counter goes up and the new set is
 * written to the legs that are in sync.
 *
 * <p>When an in-sync leg fails, writes are held (see {@link #awaitStable}) until the surviving
 * legs' superblocks say so: otherwise, after an agent crash, the failed leg would look as fresh as
 * the others and could become the source of a resync, overwriting acknowledged writes.
 *
 * <p>The list of legs changes while the volume serves (the controller adds and removes legs at the
 * same generation): it is copy-on-write, replaced under the monitor, so a request works on the
 * snapshot it took. A removed leg is FAILED and out of the list; a request still in flight to it
 * fails without consequence (failing a FAILED leg does nothing), and it never counted for anything
 * but the legs that remain. An added leg starts CONNECTING and its superblock is first written
 * when it joins, so it never looks in sync before its first full copy is done.
 */
final class LegSet {
    private static final Logger log = LoggerFactory.getLogger(LegSet.class);

    /** One request to one leg. */
    interface LegOp {
        CompletableFuture<Void> run(Leg leg, LegIo io);
    }

    /** What the superblocks of this volume say besides the member list. */
    record Identity(UUID volumeId, long generation, long sizeBytes, long regionBytes, long dataOffset) {}

    /** How many more reads the first in-sync leg may have outstanding before reads go elsewhere. */
    static final int READ_SPREAD_AFTER = 32;

    private static final Executor LOST_WATCH = Executors.newVirtualThreadPerTaskExecutor();

    private final Identity identity;
    /** Copy-on-write: replaced, never changed, under the monitor. */
    private volatile List<Leg> legs;

    private final Duration timeout;
    private final Runnable onChange;
    private final ReentrantLock superblockWriter = new ReentrantLock();
    private long events;
    private CompletableFuture<Void> barrier = CompletableFuture.completedFuture(null);

    LegSet(Identity identity, List<Leg> legs, Duration timeout, Runnable onChange) {
        this.identity = identity;
        this.legs = List.copyOf(legs);
        this.timeout = timeout;
        this.onChange = onChange;
    }

    List<Leg> all() {
        return legs;
    }

    /** How long a leg may take to answer one request. */
    Duration timeout() {
        return timeout;
    }

    synchronized long events() {
        return events;
    }

    synchronized void startAt(long eventCounter) {
        events = eventCounter;
    }

    List<Leg> inState(LegSyncState state) {
        return legs.stream().filter(l -> l.state() == state).toList();
    }

    /** A leg the controller added: CONNECTING until the maintenance thread opens it. */
    void add(Leg leg) {
        synchronized (this) {
            if (legs.stream().anyMatch(l -> l.id().equals(leg.id()))) {
                throw new IllegalArgumentException(leg + " is already a leg of volume " + identity.volumeId());
            }
            List<Leg> more = new ArrayList<>(legs);
            more.add(leg);
            legs = List.copyOf(more);
        }
        log.info("{}: added to volume {}", leg, identity.volumeId());
        onChange.run();
    }

    /**
     * Takes a leg the controller removed out of the volume: it gets no more requests, its
     * connection is closed, and if it was in sync the remaining in-sync legs' superblocks are
     * rewritten without it (writes are held until then, as after a failure). With {@code
     * keepLastInSync}, the only in-sync leg is not removed (false is returned): the volume would
     * lose its data. Returns whether it was removed (or was not a leg any more).
     */
    boolean remove(Leg leg, boolean keepLastInSync) {
        LegIo io;
        synchronized (this) {
            if (!legs.contains(leg)) {
                return true;
            }
            boolean wasInSync = leg.state() == LegSyncState.IN_SYNC;
            if (wasInSync
                    && keepLastInSync
                    && legs.stream().noneMatch(l -> l != leg && l.state() == LegSyncState.IN_SYNC)) {
                return false;
            }
            io = leg.io().orElse(null);
            leg.set(LegSyncState.FAILED, null, "removed from the volume");
            legs = legs.stream().filter(l -> l != leg).toList();
            if (wasInSync) {
                rewriteSuperblocksHoldingWrites(leg);
            }
        }
        if (io != null) {
            io.close();
        }
        log.info("{}: removed from volume {}", leg, identity.volumeId());
        onChange.run();
        return true;
    }

    List<Leg> writable() {
        return legs.stream().filter(Leg::writable).toList();
    }

    boolean allInSync() {
        return legs.stream().allMatch(l -> l.state() == LegSyncState.IN_SYNC);
    }

    /**
     * The in-sync leg to read from: the one with the fewest requests outstanding, where another
     * leg must have {@value #READ_SPREAD_AFTER} fewer than the first in-sync leg to be chosen over
     * it. Reads stay on one node until it falls behind: its page cache stays hot, and the other
     * nodes are not woken for work one can do (on a small machine spreading cost 15% of random-read
     * throughput; bench/replicated-vs-single.sh).
     */
    Optional<Leg> reader() {
        Leg best = null;
        int bestLoad = Integer.MAX_VALUE;
        for (Leg l : legs) {
            if (l.state() != LegSyncState.IN_SYNC) {
                continue;
            }
            int load = l.outstanding.get() + (best == null ? 0 : READ_SPREAD_AFTER);
            if (load < bestLoad) {
                best = l;
                bestLoad = load;
            }
        }
        return Optional.ofNullable(best);
    }

    /** A freshly opened leg: SYNCING (to be copied to) or IN_SYNC (at assembly). */
    @SuppressWarnings("ReferenceEquality") // the very connection that was lost, not an equal one
    void connected(Leg leg, LegIo io, LegSyncState state) {
        synchronized (this) {
            if (!legs.contains(leg)) { // removed while it was being opened
                io.close();
                return;
            }
            // A leg being synced keeps showing why it last failed, until it is in sync again.
            leg.set(state, io, state == LegSyncState.IN_SYNC ? "" : leg.error().orElse(""));
        }
        // Not on the connection's own reader thread: failing the leg closes that connection.
        CompletableFuture<Void> _ = io.lost()
                .thenRunAsync(
                        () -> {
                            if (leg.io().orElse(null) == io) {
                                fail(leg, new IOException("connection lost"));
                            }
                        },
                        LOST_WATCH);
        log.info("volume {}: {}: connected, {}", identity.volumeId(), leg, state);
        onChange.run();
    }

    /**
     * Marks a leg failed (idempotent) and drops its connection. If it was in sync, the surviving
     * legs' superblocks are rewritten, and {@link #awaitStable} holds until that is done.
     */
    void fail(Leg leg, Throwable cause) {
        boolean wasInSync;
        LegIo io;
        String reason = LegIo.describe(cause);
        synchronized (this) {
            if (leg.state() == LegSyncState.FAILED) {
                return;
            }
            wasInSync = leg.state() == LegSyncState.IN_SYNC;
            io = leg.io().orElse(null);
            leg.set(LegSyncState.FAILED, null, reason);
            if (wasInSync) {
                rewriteSuperblocksHoldingWrites(leg);
            }
        }
        if (io != null) {
            io.close();
        }
        log.info(
                "volume {}: {}: failed ({}); I/O goes on with {} in-sync leg(s)",
                identity.volumeId(),
                leg,
                reason,
                inState(LegSyncState.IN_SYNC).size());
        onChange.run();
    }

    /**
     * Rewrites the superblocks now that {@code gone} is out of the in-sync set; {@link
     * #awaitStable} holds writes until that is done. Called under the monitor, right after the
     * state change.
     */
    private void rewriteSuperblocksHoldingWrites(Leg gone) {
        CompletableFuture<Void> written = new CompletableFuture<>();
        barrier = CompletableFuture.allOf(barrier, written);
        Thread.ofVirtual().name("superblock-" + gone.id()).start(() -> {
            try {
                writeSuperblocks();
            } catch (IOException e) {
                log.warn(
                        "volume {}: superblocks not written after {} left the in-sync set: {}",
                        identity.volumeId(),
                        gone,
                        e.getMessage());
            } finally {
                written.complete(null);
            }
        });
    }

    /** A leg that was unreachable or failed before it was ever connected. */
    void unreachable(Leg leg, String why) {
        synchronized (this) {
            if (leg.state() == LegSyncState.CONNECTING || leg.state() == LegSyncState.FAILED) {
                leg.set(LegSyncState.FAILED, null, why);
            }
        }
        onChange.run();
    }

    /** Waits until every superblock update caused by a failed leg is written. */
    void awaitStable() throws InterruptedException {
        CompletableFuture<Void> b;
        synchronized (this) {
            b = barrier;
        }
        try {
            b.get();
        } catch (ExecutionException e) {
            // completed normally by construction
        }
    }

    /** A synced leg rejoins: it takes reads again, and the superblocks record it. */
    void join(Leg leg) throws IOException {
        synchronized (this) {
            if (leg.state() != LegSyncState.SYNCING) {
                throw new IOException(leg + " is " + leg.state() + ", not SYNCING");
            }
            leg.set(LegSyncState.IN_SYNC, leg.io().orElseThrow(), "");
        }
        log.info("volume {}: {}: in sync", identity.volumeId(), leg);
        onChange.run();
        writeSuperblocks();
    }

    /**
     * Raises the event counter and writes every in-sync leg's superblock naming the in-sync legs.
     * Serialized: a later call always writes a later state.
     */
    void writeSuperblocks() throws IOException {
        superblockWriter.lock();
        try {
            List<Leg> members;
            long at;
            synchronized (this) {
                members = inState(LegSyncState.IN_SYNC);
                at = ++events;
            }
            List<UUID> ids = members.stream().map(Leg::id).toList();
            int ok = fanOut(
                    members,
                    (leg, io) -> io.write(
                            0,
                            new LegHeader(
                                            identity.volumeId(),
                                            leg.id(),
                                            identity.generation(),
                                            at,
                                            identity.sizeBytes(),
                                            identity.regionBytes(),
                                            identity.dataOffset(),
                                            ids)
                                    .encode(),
                            true));
            if (ok == 0) {
                throw new IOException("no in-sync leg took the superblock at event " + at);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing superblocks", e);
        } finally {
            superblockWriter.unlock();
        }
    }

    /**
     * Sends {@code op} to each of {@code targets} at once and waits for all. Legs that fail (error,
     * timeout, lost connection) are marked failed. Returns how many legs completed it that were in
     * sync when it was sent or when it completed.
     */
    int fanOut(List<Leg> targets, LegOp op) throws InterruptedException {
        List<CompletableFuture<Void>> sent = new ArrayList<>(targets.size());
        boolean[] inSync = new boolean[targets.size()];
        boolean[] counted = new boolean[targets.size()];
        for (int i = 0; i < targets.size(); i++) {
            Leg leg = targets.get(i);
            Optional<LegIo> io = leg.io();
            inSync[i] = leg.state() == LegSyncState.IN_SYNC;
            if (io.isEmpty()) {
                sent.add(CompletableFuture.failedFuture(new IOException("not connected")));
                continue;
            }
            counted[i] = true;
            leg.outstanding.incrementAndGet();
            sent.add(send(op, leg, io.get()));
        }
        int ok = 0;
        for (int i = 0; i < targets.size(); i++) {
            Leg leg = targets.get(i);
            try {
                sent.get(i).get();
                // A leg that joined while the request was out took it too, and holds it: the
                // region was not being copied to it (a copy waits for the writes in flight).
                if (inSync[i] || leg.state() == LegSyncState.IN_SYNC) {
                    ok++;
                }
            } catch (ExecutionException e) {
                fail(leg, e.getCause());
            } finally {
                if (counted[i]) {
                    leg.outstanding.decrementAndGet();
                }
            }
        }
        return ok;
    }

    /** One request to one leg, with the leg timeout. */
    CompletableFuture<Void> send(LegOp op, Leg leg, LegIo io) {
        try {
            return op.run(leg, io).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    void closeAll() {
        for (Leg leg : legs) {
            LegIo io;
            synchronized (this) {
                io = leg.io().orElse(null);
                leg.set(LegSyncState.CONNECTING, null, "");
            }
            if (io != null) {
                io.close();
            }
        }
    }
}
