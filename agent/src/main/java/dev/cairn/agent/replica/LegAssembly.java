package dev.cairn.agent.replica;

import dev.cairn.agent.ServedVolume;
import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.legs.header.LegHeader;
import dev.cairn.legs.io.LegConnector;
import dev.cairn.legs.io.LegIo;
import dev.cairn.legs.io.LegTarget;
import dev.cairn.legs.sync.LegProbe;
import dev.cairn.legs.sync.ResyncPlan;
import dev.cairn.legs.sync.ResyncThrottle;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings one replicated volume's legs to the controller's view, from attach until the volume is
 * closed: ASSEMBLING (reading every leg's header and bitmap, deciding with {@link ResyncPlan}
 * which legs are fresh), then moving the {@link ReplicatedVolume} to SERVING, and keeping its legs
 * there.
 *
 * <p>One maintenance thread per volume does everything but client I/O: it applies the leg list
 * the controller wants ({@link #reconfigure}), assembles, reconnects failed legs (with the bitmap
 * deciding what they get), starts a {@link LegSyncer} per SYNCING leg, sweeps the bitmap, and
 * re-assembles if every in-sync leg was lost. It wakes on any leg change and every {@code
 * retryEvery}. Every field but {@link #desired} (handed over by the agent's thread) is its own.
 *
 * <p>Legs change at the same generation without a pause in client I/O: a new leg is opened like a
 * failed one coming back (its blank header gets it every region), a removed leg is taken out of
 * the {@link LegSet} and its sync stopped. The only in-sync leg is kept until another leg is in
 * sync, whatever the controller says: removing it would leave nothing to read from.
 */
final class LegAssembly {
    private static final Logger log = LoggerFactory.getLogger(LegAssembly.class);

    /** How long closing a volume waits for its stopped resyncs to end. */
    private static final Duration RESYNC_END_WAIT = Duration.ofSeconds(5);

    /** Why a kept leg (replaced after it went missing) that cannot catch up is left alone. */
    static final String KEPT_UNTOUCHED =
            "replaced after it went missing; kept untouched until its replacement is in sync";

    private final ReplicatedVolume volume;
    private final LegConnector connector;
    private final VolumeSettings settings;
    private final Runnable onChange;
    private final Resyncs resyncs;
    private final Semaphore wake = new Semaphore(0);
    /** Reconnect attempts since each leg was last in sync, and when the next may be made. */
    private final Map<Leg, Integer> attempts = new HashMap<>();

    private final Map<Leg, Long> nextAttempt = new HashMap<>();
    private final Thread maintenance;
    /** What the last assembly that could not finish waited for (logged when it changes). */
    private String waitedFor = "";
    /** Whether the log already says the volume waits for its legs to grow. */
    private boolean waitedForGrowth;
    /** The latest spec the agent handed over; the maintenance thread brings the legs to it. */
    private volatile VolumeSpec desired;
    /** Legs the controller removed that are kept as the only in-sync leg (warned about once). */
    private final Set<UUID> keptAgainstDesired = new HashSet<>();

    private LegAssembly(
            VolumeSpec spec,
            LegConnector connector,
            VolumeSettings settings,
            ResyncThrottle throttle,
            Runnable onChange) {
        this.connector = connector;
        this.settings = settings;
        this.onChange = onChange;
        List<Leg> legs = spec.legs().stream().map(Leg::new).toList();
        LegSet set = new LegSet(
                new LegSet.Identity(
                        spec.volumeId(), spec.generation(), spec.sizeBytes(), spec.regionBytes(), spec.dataOffset()),
                legs,
                settings.legTimeout(),
                this::changed);
        this.volume = new ReplicatedVolume(spec, set, new ResyncProgress(settings.clock()), this);
        this.resyncs = new Resyncs(
                new LegSyncer(volume, settings.copyWorkers(), settings.fillRecordEveryBytes(), throttle),
                this::changed);
        this.desired = spec;
        this.maintenance = Thread.ofVirtual().name("volume-" + spec.name()).unstarted(this::maintain);
    }

    /**
     * Attaches a volume: returns it ASSEMBLING, its legs being brought up in the background. Its
     * resyncs copy no faster than {@code throttle} allows (shared by the agent's volumes).
     */
    static ReplicatedVolume start(
            VolumeSpec spec,
            LegConnector connector,
            VolumeSettings settings,
            ResyncThrottle throttle,
            Runnable onChange) {
        LegAssembly assembly = new LegAssembly(spec, connector, settings, throttle, onChange);
        assembly.maintenance.start();
        return assembly.volume;
    }

    /** See {@link ReplicatedVolume#reconfigure}: checked there, applied here. */
    void reconfigure(VolumeSpec newer) {
        desired = newer;
        changed();
    }

    /** Brings the legs to the desired spec: addresses, added legs, removed legs. */
    private void applyDesiredLegs() {
        VolumeSpec want = desired;
        LegSet legs = volume.legs();
        List<Leg> current = legs.all();
        boolean changedLegs = false;
        for (LegTarget target : want.legs()) {
            Optional<Leg> have = current.stream()
                    .filter(l -> l.id().equals(target.extentId()))
                    .findFirst();
            if (have.isEmpty()) {
                legs.add(new Leg(target));
                changedLegs = true;
            } else if (!have.get().target().equals(target)) {
                log.info("{}: {}: now at {}", want.describe(), have.get(), target);
                have.get().retarget(target);
                changedLegs = true;
            }
        }
        List<UUID> wanted = want.legIds();
        for (Leg leg : current) {
            if (wanted.contains(leg.id())) {
                keptAgainstDesired.remove(leg.id());
            } else if (legs.remove(leg, true)) {
                resyncs.stop(leg);
                attempts.remove(leg);
                nextAttempt.remove(leg);
                keptAgainstDesired.remove(leg.id());
                changedLegs = true;
            } else if (keptAgainstDesired.add(leg.id())) {
                log.warn(
                        "{}: {}: the controller removed it, but it is the only in-sync leg: kept until another leg is"
                                + " in sync",
                        want.describe(),
                        leg);
            }
        }
        if (changedLegs) {
            volume.respec(
                    volume.spec().withLegs(legs.all().stream().map(Leg::target).toList()));
        }
    }

    /**
     * Grows the volume to the desired size (the controller's, once every leg's extent holds it)
     * when it is served with every leg in sync and no copy running; a sync in progress keeps the
     * size it started with, so growth waits for it.
     */
    private void applyDesiredSize() throws IOException {
        long want = desired.sizeBytes();
        if (want <= volume.spec().sizeBytes()) {
            return;
        }
        if (!(volume.phase() instanceof ServedVolume.Serving) || !volume.legs().allInSync() || !resyncs.noneRunning()) {
            if (!waitedForGrowth) {
                log.info("{}: grows to {} bytes once every leg is in sync", volume.describe(), want);
                waitedForGrowth = true;
            }
            return;
        }
        // Data where it was: clean bits for the new regions, then the new size for NBD clients
        // (their requests are checked against it), then in the superblocks. The legs' extents hold
        // it already; their nodes check requests against an extent's size now, not at connection.
        VolumeSpec newer = volume.spec().withSize(want);
        volume.bitmap().grow(newer.regions());
        volume.legs().grown(want);
        volume.respec(newer);
        log.info("{}: grown to {} bytes", volume.describe(), want);
        waitedForGrowth = false;
        volume.legs().writeSuperblocks();
    }

    private void changed() {
        wake.release();
        onChange.run();
    }

    private void maintain() {
        long nextSweep = settings.clock().millis() + settings.sweepEvery().toMillis();
        while (!(volume.phase() instanceof ServedVolume.Closed)) {
            try {
                applyDesiredLegs();
                applyDesiredSize();
                LegSet legs = volume.legs();
                if (legs.inState(LegSyncState.IN_SYNC).isEmpty() && resyncs.noneRunning()) {
                    assemble();
                } else {
                    for (Leg leg : legs.all()) {
                        if (leg.state() == LegSyncState.IN_SYNC) {
                            attempts.remove(leg);
                        } else if ((leg.state() == LegSyncState.FAILED || leg.state() == LegSyncState.CONNECTING)
                                && settings.clock().millis() >= nextAttempt.getOrDefault(leg, 0L)) {
                            int n = attempts.merge(leg, 1, Integer::sum);
                            nextAttempt.put(
                                    leg,
                                    settings.clock().millis()
                                            + (settings.retryEvery().toMillis() << Math.min(n - 1, 3)));
                            reconnect(leg);
                        }
                        if (leg.state() == LegSyncState.SYNCING && !resyncs.isRunning(leg)) {
                            resyncs.start(leg);
                        }
                    }
                    if (settings.clock().millis() >= nextSweep) {
                        nextSweep = settings.clock().millis()
                                + settings.sweepEvery().toMillis();
                        int cleared = volume.sweepBitmap();
                        if (cleared > 0) {
                            log.debug("{}: {} bitmap region(s) clean", volume.describe(), cleared);
                        }
                    }
                }
                long waitMillis = Math.min(
                        settings.retryEvery().toMillis(),
                        Math.max(1, nextSweep - settings.clock().millis()));
                if (wake.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
                    wake.drainPermits();
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                log.warn("{}: {}", volume.describe(), e.toString());
                sleepQuietly();
            }
        }
    }

    private void sleepQuietly() {
        try {
            if (wake.tryAcquire(settings.retryEvery().toMillis(), TimeUnit.MILLISECONDS)) {
                wake.drainPermits();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reads every reachable leg and, once {@link ResyncPlan} can decide, starts serving. */
    private void assemble() throws IOException, InterruptedException {
        VolumeSpec spec = volume.spec();
        LegSet legs = volume.legs();
        List<Leg> members = legs.all(); // only this thread changes the list
        Map<Leg, LegIo> opened = new HashMap<>();
        List<ResyncPlan.Probe> probes = new ArrayList<>();
        for (Leg leg : members) {
            try {
                LegIo io = leg.io().orElse(null);
                if (io == null) {
                    io = connector.connect(leg.target());
                }
                opened.put(leg, io);
                probes.add(LegProbe.read(spec.geometry(), leg.id(), leg.target(), io, settings.legTimeout()));
            } catch (IOException e) {
                probes.add(new ResyncPlan.Unreachable(leg.id(), LegIo.describe(e)));
                LegIo io = opened.remove(leg);
                if (io != null) {
                    io.close();
                }
            }
        }
        ResyncPlan.Outcome outcome =
                ResyncPlan.plan(spec.geometry(), members.stream().map(Leg::id).toList(), spec.keptLegs(), probes);
        if (outcome instanceof ResyncPlan.Wait w) {
            opened.values().forEach(LegIo::close);
            for (ResyncPlan.Probe p : probes) {
                if (p instanceof ResyncPlan.Unreachable u) {
                    members.stream().filter(l -> l.id().equals(u.legId())).forEach(l -> legs.unreachable(l, u.why()));
                }
            }
            if (!w.reason().equals(waitedFor)) {
                log.warn("{}: waiting: {}", spec.describe(), w.reason());
            }
            waitedFor = w.reason();
            volume.waitFor(w.reason());
            return;
        }
        ResyncPlan.Ready ready = (ResyncPlan.Ready) outcome;
        ready.notes().forEach(n -> log.warn("{}: {}", spec.describe(), n));
        legs.startAt(ready.events());
        volume.bitmap().load(ready.dirty());
        for (Leg leg : members) {
            ResyncPlan.Sync sync = ready.sync().get(leg.id());
            LegIo io = opened.get(leg);
            if (sync == null || io == null) {
                legs.unreachable(
                        leg,
                        probes.stream()
                                .filter(p -> p instanceof ResyncPlan.Unreachable u
                                        && u.legId().equals(leg.id()))
                                .map(p -> ((ResyncPlan.Unreachable) p).why())
                                .findFirst()
                                .orElse("unreachable"));
                continue;
            }
            if (leg.target().kept() && sync.kind() == ResyncPlan.Sync.Kind.FULL) {
                io.close();
                legs.unreachable(leg, KEPT_UNTOUCHED + ": it would need a full copy");
            } else if (sync.equals(ResyncPlan.Sync.NONE)) {
                legs.connected(leg, io, LegSyncState.IN_SYNC);
            } else {
                resyncs.plan(leg, sync);
                legs.connected(leg, io, LegSyncState.SYNCING);
            }
        }
        legs.writeSuperblocks();
        volume.bitmap().rewriteAll();
        long dirty = volume.bitmap().dirtyCount();
        log.info(
                "{}: serving at generation {}, event {}, from {} ({} dirty region(s))",
                spec.describe(),
                spec.generation(),
                legs.events(),
                ready.source(),
                dirty);
        waitedFor = "";
        volume.serve();
        changed();
    }

    /** Tries a failed leg again; if it answers, it becomes SYNCING with what the bitmap says it needs. */
    private void reconnect(Leg leg) {
        LegIo io;
        ResyncPlan.Found found;
        try {
            io = connector.connect(leg.target());
        } catch (IOException e) {
            volume.legs().unreachable(leg, LegIo.describe(e));
            return;
        }
        try {
            found = LegProbe.read(volume.spec().geometry(), leg.id(), leg.target(), io, settings.legTimeout());
        } catch (IOException e) {
            io.close();
            volume.legs().unreachable(leg, LegIo.describe(e));
            return;
        }
        ResyncPlan.Returning back = ResyncPlan.returning(volume.spec().geometry(), found);
        if (leg.target().kept() && back.sync().kind() != ResyncPlan.Sync.Kind.DIRTY) {
            io.close();
            volume.legs().unreachable(leg, KEPT_UNTOUCHED + ": " + back.why());
            return;
        }
        if (found.header() instanceof LegHeader.Damaged
                || (found.header() instanceof LegHeader.Valid && back.sync().kind() != ResyncPlan.Sync.Kind.DIRTY)) {
            log.warn("{}: {}: {}", volume.spec().describe(), leg, back.why());
        } else {
            log.info("{}: {}: {}", volume.spec().describe(), leg, back.why());
        }
        resyncs.plan(leg, back.sync());
        volume.legs().connected(leg, io, LegSyncState.SYNCING);
    }

    /**
     * Stops the maintenance thread and the resyncs (the volume is CLOSED already), again once the
     * maintenance thread has ended, in case it started one meanwhile.
     */
    void stop() {
        maintenance.interrupt();
        resyncs.stopAll();
        try {
            maintenance.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        resyncs.stopAll();
    }

    /** Waits a little for the stopped resyncs to end, once the legs are closed. */
    void awaitResyncsEnded() {
        try {
            resyncs.awaitEnded(RESYNC_END_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
