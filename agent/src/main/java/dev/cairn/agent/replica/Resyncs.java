package dev.cairn.agent.replica;

import dev.cairn.legs.sync.ResyncPlan;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The resync threads of one volume, one per SYNCING leg, and what each leg is to get when its
 * sync starts. The maintenance thread plans, starts and stops them; a sync thread only removes
 * itself when it ends, then calls {@code onEnd} so that the maintenance thread looks again.
 */
final class Resyncs {
    private final LegSyncer syncer;
    private final Runnable onEnd;
    private final Map<Leg, ResyncPlan.Sync> planned = new ConcurrentHashMap<>();
    private final Map<Leg, Thread> running = new ConcurrentHashMap<>();

    Resyncs(LegSyncer syncer, Runnable onEnd) {
        this.syncer = syncer;
        this.onEnd = onEnd;
    }

    /** What {@code leg} gets at its next sync (DIRTY if nothing was planned). */
    void plan(Leg leg, ResyncPlan.Sync sync) {
        planned.put(leg, sync);
    }

    boolean isRunning(Leg leg) {
        return running.containsKey(leg);
    }

    boolean noneRunning() {
        return running.isEmpty();
    }

    /** Starts syncing {@code leg} (already SYNCING, so it takes every write from now on). */
    void start(Leg leg) {
        ResyncPlan.Sync sync = planned.getOrDefault(leg, ResyncPlan.Sync.DIRTY);
        List<Long> regions = syncer.regionsFor(sync);
        Thread t = Thread.ofVirtual().name("resync-" + leg.id()).unstarted(() -> {
            try {
                syncer.sync(leg, sync, regions);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                running.remove(leg);
                onEnd.run();
            }
        });
        running.put(leg, t);
        t.start();
    }

    /** Stops the sync to {@code leg}, if one runs, and forgets its plan (the leg was removed). */
    void stop(Leg leg) {
        planned.remove(leg);
        Thread t = running.get(leg);
        if (t != null) {
            t.interrupt();
        }
    }

    void stopAll() {
        running.values().forEach(Thread::interrupt);
    }

    /**
     * Waits up to {@code timeout} for every sync thread to end (after {@link #stopAll} and once
     * the legs are closed, so that none is held by a hung leg): a closed volume writes nothing more.
     */
    void awaitEnded(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : List.copyOf(running.values())) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                return;
            }
        }
    }
}
