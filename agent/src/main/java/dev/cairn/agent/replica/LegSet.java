package dev.cairn.agent.replica;

import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.legs.header.LegHeader;
import dev.cairn.legs.io.LegIo;
import java.io.IOException;
import java.io.Serial;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The legs of one attached volume: the owner of the leg list, of every leg's state and of the
 * event counter, and the one way requests reach the legs ({@link #fanOut} to several, {@link
 * #read} to one in-sync leg with retries), each counted on its leg ({@link Leg#send}). It keeps
 * the superblocks true: whenever the set of in-sync legs changes, the event counter goes up and
 * the new set is written to the legs that are in sync ({@link SuperblockWriter}).
 *
 * <p>Who does what: every change (the list, a leg's state, the event counter) happens under this
 * object's monitor, which is held for no I/O and no wait. The maintenance thread adds, removes,
 * connects and closes legs; the threads that see a request fail (client requests, resyncs, the
 * lost-connection watch) fail legs; a resync thread joins its leg. The list is copy-on-write and
 * a leg's state one volatile value, so requests read both without the monitor and work on the
 * snapshot they took.
 *
 * <p>When an in-sync leg fails, writes are held (see {@link #awaitStable}) until the surviving
 * legs' superblocks say so: otherwise, after an agent crash, the failed leg would look as fresh as
 * the others and could become the source of a resync, overwriting acknowledged writes.
 *
 * <p>A removed leg is FAILED and out of the list; a request still in flight to it fails without
 * consequence (failing a FAILED leg does nothing), and it never counted for anything but the legs
 * that remain. An added leg starts CONNECTING and its superblock is first written when it joins,
 * so it never looks in sync before its first full copy is done.
 */
final class LegSet {
    private static final Logger log = LoggerFactory.getLogger(LegSet.class);

    /** What the superblocks of this volume say besides the member list. */
    record Identity(UUID volumeId, long generation, long sizeBytes, long regionBytes, long dataOffset) {}

    /** No in-sync leg answered a read: {@link #tried()} says which legs failed and how. */
    static final class NoLegAnswered extends IOException {
        @Serial
        private static final long serialVersionUID = 1L;

        private final String tried;

        NoLegAnswered(List<String> tried) {
            super("no in-sync leg answered" + (tried.isEmpty() ? "" : " " + tried));
            this.tried = tried.toString();
        }

        /** The legs tried and their errors, as {@code [leg: error, ...]}. */
        String tried() {
            return tried;
        }
    }

    /** How many more reads the first in-sync leg may have outstanding before reads go elsewhere. */
    static final int READ_SPREAD_AFTER = 32;

    /** Failing a leg closes its connection: never on that connection's own reader thread. */
    private static final Executor LOST_WATCH = Executors.newVirtualThreadPerTaskExecutor();

    private volatile Identity identity;
    /** Copy-on-write: replaced, never changed, under the monitor. */
    private volatile List<Leg> legs;

    private final Duration timeout;
    private final Runnable onChange;
    /** The superblocks' event counter; guarded by the monitor. */
    private long events;

    private final SuperblockWriter superblocks;

    LegSet(Identity identity, List<Leg> legs, Duration timeout, Runnable onChange) {
        this.identity = identity;
        this.legs = List.copyOf(legs);
        this.timeout = timeout;
        this.onChange = onChange;
        this.superblocks = SuperblockWriter.start(identity.volumeId(), this::writeSuperblocksNow);
    }

    List<Leg> all() {
        return legs;
    }

    /** The volume grew to {@code sizeBytes}: superblocks written from now on say so. */
    synchronized void grown(long sizeBytes) {
        identity = new Identity(
                identity.volumeId(), identity.generation(), sizeBytes, identity.regionBytes(), identity.dataOffset());
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

    List<Leg> writable() {
        return legs.stream().filter(Leg::writable).toList();
    }

    boolean allInSync() {
        return legs.stream().allMatch(l -> l.state() == LegSyncState.IN_SYNC);
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
        LegState left;
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
            left = leg.moveTo(new LegState.Failed("removed from the volume"));
            legs = legs.stream().filter(l -> l != leg).toList();
            if (wasInSync) {
                superblocks.request();
            }
        }
        left.io().ifPresent(LegIo::close);
        log.info("{}: removed from volume {}", leg, identity.volumeId());
        onChange.run();
        return true;
    }

    /** A freshly opened leg: SYNCING (to be copied to) or IN_SYNC (at assembly). */
    @SuppressWarnings("ReferenceEquality") // the very connection that was lost, not an equal one
    void connected(Leg leg, LegIo io, LegSyncState state) {
        LegState left;
        synchronized (this) {
            if (!legs.contains(leg)) { // removed while it was being opened
                io.close();
                return;
            }
            // A leg being synced keeps showing why it last failed, until it is in sync again.
            left = leg.moveTo(
                    switch (state) {
                        case IN_SYNC -> new LegState.InSync(io);
                        case SYNCING -> new LegState.Syncing(io, leg.error());
                        case CONNECTING, FAILED -> throw new IllegalArgumentException(leg + ": connected as " + state);
                    });
        }
        left.io().filter(old -> old != io).ifPresent(LegIo::close);
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
        LegState left;
        String reason = reason(LegIo.describe(cause), cause.getClass().getName());
        synchronized (this) {
            if (leg.state() == LegSyncState.FAILED) {
                return;
            }
            left = leg.moveTo(new LegState.Failed(reason));
            if (left.reported() == LegSyncState.IN_SYNC) {
                superblocks.request();
            }
        }
        left.io().ifPresent(LegIo::close);
        log.info(
                "volume {}: {}: failed ({}); I/O goes on with {} in-sync leg(s)",
                identity.volumeId(),
                leg,
                reason,
                inState(LegSyncState.IN_SYNC).size());
        onChange.run();
    }

    /** A leg that was unreachable, or failed before it was ever connected. */
    void unreachable(Leg leg, String why) {
        synchronized (this) {
            if (leg.state() == LegSyncState.CONNECTING || leg.state() == LegSyncState.FAILED) {
                leg.moveTo(new LegState.Failed(reason(why, "unreachable")));
            }
        }
        onChange.run();
    }

    private static String reason(String why, String otherwise) {
        return why == null || why.isBlank() ? otherwise : why;
    }

    /** Waits until every superblock update caused by a leg leaving the in-sync set was tried. */
    void awaitStable() throws InterruptedException {
        superblocks.await(superblocks.latest());
    }

    /** A synced leg rejoins: it takes reads again, and the superblocks record it. */
    void join(Leg leg) throws IOException {
        synchronized (this) {
            if (!(leg.lifecycle() instanceof LegState.Syncing syncing)) {
                throw new IOException(leg + " is " + leg.state() + ", not SYNCING");
            }
            leg.moveTo(new LegState.InSync(syncing.connection()));
        }
        log.info("volume {}: {}: in sync", identity.volumeId(), leg);
        onChange.run();
        writeSuperblocks();
    }

    /**
     * Raises the event counter and writes every in-sync leg's superblock naming the in-sync legs,
     * and waits for it; fails if no in-sync leg took it.
     */
    void writeSuperblocks() throws IOException {
        try {
            superblocks.write();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing superblocks", e);
        }
    }

    /** On the superblock writer's thread only. */
    private void writeSuperblocksNow() throws IOException, InterruptedException {
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
    }

    /**
     * The in-sync leg to read from: the one with the fewest requests outstanding, where another
     * leg must have {@value #READ_SPREAD_AFTER} fewer than the first in-sync leg to be chosen over
     * it. Reads stay on one node until it falls behind: its page cache stays hot, and the other
     * nodes are not woken for work one can do (on a small machine spreading cost 15% of random-read
     * throughput; bench/replicated-vs-single.sh).
     */
    private Optional<Reader> reader() {
        Reader best = null;
        int bestLoad = Integer.MAX_VALUE;
        for (Leg l : legs) {
            if (!(l.lifecycle() instanceof LegState.InSync inSync)) {
                continue;
            }
            int load = l.load() + (best == null ? 0 : READ_SPREAD_AFTER);
            if (load < bestLoad) {
                best = new Reader(l, inSync.connection());
                bestLoad = load;
            }
        }
        return Optional.ofNullable(best);
    }

    /** An in-sync leg and the connection it had when it was chosen. */
    private record Reader(Leg leg, LegIo io) {}

    /**
     * Sends one request to the in-sync leg {@link #reader} picks, once: a failure says nothing
     * about the leg here (the caller only asked for a hint). Empty if no leg is in sync.
     */
    <T> Optional<CompletableFuture<T>> askReader(Leg.Request<T> request) {
        return reader().map(r -> r.leg().send(request, r.io(), timeout));
    }

    /**
     * The read path: sends a request to an in-sync leg ({@link #reader}); if it fails, that leg is
     * failed and the next try goes to another, until one answers or none is in sync. {@code
     * request} makes the request of each try, numbered from 0: a try after a failure may need a
     * buffer of its own, as a late reply could still land in the one before.
     */
    <T> T read(IntFunction<Leg.Request<T>> request) throws NoLegAnswered, InterruptedException {
        List<String> tried = new ArrayList<>();
        for (int attempt = 0; attempt <= legs.size(); attempt++) {
            Optional<Reader> reader = reader();
            if (reader.isEmpty()) {
                break;
            }
            Leg leg = reader.get().leg();
            try {
                return leg.send(request.apply(tried.size()), reader.get().io(), timeout)
                        .get();
            } catch (ExecutionException e) {
                tried.add(leg + ": " + LegIo.describe(e.getCause()));
                fail(leg, e.getCause());
            }
        }
        throw new NoLegAnswered(tried);
    }

    /**
     * Sends {@code request} to each of {@code targets} at once and waits for all. Legs that fail
     * (error, timeout, lost connection, not connected) are marked failed. Returns how many legs
     * completed it that were in sync when it was sent or when it completed.
     */
    int fanOut(List<Leg> targets, Leg.Request<Void> request) throws InterruptedException {
        List<CompletableFuture<Void>> sent = new ArrayList<>(targets.size());
        boolean[] inSync = new boolean[targets.size()];
        for (int i = 0; i < targets.size(); i++) {
            Leg leg = targets.get(i);
            LegState state = leg.lifecycle(); // its connection and its state, taken together
            inSync[i] = state.reported() == LegSyncState.IN_SYNC;
            sent.add(state.io()
                    .map(io -> leg.send(request, io, timeout))
                    .orElseGet(() -> CompletableFuture.failedFuture(new IOException("not connected"))));
        }
        int ok = 0;
        for (int i = 0; i < targets.size(); i++) {
            Leg leg = targets.get(i);
            try {
                sent.get(i).get();
                // A leg that joined meanwhile took it too (a copy waits for the writes in flight).
                if (inSync[i] || leg.state() == LegSyncState.IN_SYNC) {
                    ok++;
                }
            } catch (ExecutionException e) {
                fail(leg, e.getCause());
            }
        }
        return ok;
    }

    /** Closes every leg (CONNECTING, without a connection) and the superblock writer. */
    void closeAll() {
        superblocks.close();
        for (Leg leg : legs) {
            LegState left;
            synchronized (this) {
                left = leg.moveTo(new LegState.Connecting());
            }
            left.io().ifPresent(LegIo::close);
        }
    }
}
