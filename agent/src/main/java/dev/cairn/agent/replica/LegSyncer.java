package dev.cairn.agent.replica;

import dev.cairn.agent.bitmap.WriteIntentBitmap;
import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.control.api.CrashPoints;
import dev.cairn.legs.io.LegIo;
import dev.cairn.legs.sync.ResyncPlan;
import dev.cairn.legs.sync.ResyncThrottle;
import dev.cairn.nbd.BlockStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings one SYNCING leg up to date while client I/O goes on: copies the given regions from
 * in-sync legs, {@code workers} at a time. Each region is taken in the bitmap for its copy, so no
 * write to it runs between the read from the source and the write to the leg (a copy never leaves
 * a region older than the client's last write); writes to other regions go to the leg as usual.
 * When every region is copied, the leg is flushed, given the whole bitmap, and joins as in sync.
 *
 * <p>Each worker asks the source whether a region reads as zeroes (NBD block status, asked again
 * once the region is taken): then the leg gets a write-zeroes, which costs neither side a copy
 * (nbdcopy skips holes the same way). Otherwise it acquires the region's bytes from the agent's
 * {@link ResyncThrottle} before taking the region (a client write never waits for the throttle),
 * reads it into a direct buffer it keeps for the whole sync, and writes it to the leg.
 * A buffer whose read or write did not complete is never used again: a late reply could still
 * land in it.
 *
 * <p>Stopping: the leg leaving SYNCING (failed, removed) ends the workers after their region, and
 * interrupting the thread in {@link #sync} interrupts them at once (waits for the throttle, the
 * region or a leg are interruptible).
 */
final class LegSyncer {
    private static final Logger log = LoggerFactory.getLogger(LegSyncer.class);

    private final ReplicatedVolume volume;
    private final int workers;
    private final ResyncThrottle throttle;

    LegSyncer(ReplicatedVolume volume, int workers, ResyncThrottle throttle) {
        this.volume = volume;
        this.workers = Math.max(1, workers);
        this.throttle = throttle;
    }

    /** The regions a leg needs for {@code sync}, taken now (after the leg became writable). */
    List<Long> regionsFor(ResyncPlan.Sync sync) {
        return switch (sync) {
            case NONE -> List.of();
            case DIRTY -> volume.bitmap().dirtyRegions();
            case FULL -> LongStream.range(0, volume.spec().regions()).boxed().toList();
        };
    }

    /** Copies {@code regions} to {@code target} and lets it join; false if it could not finish. */
    boolean sync(Leg target, List<Long> regions) throws InterruptedException {
        VolumeSpec spec = volume.spec();
        long bytes = regions.stream().mapToLong(spec::regionLength).sum();
        log.info(
                "volume {}: {}: resync of {} region(s), {} bytes, started",
                spec.volumeId(),
                target,
                regions.size(),
                bytes);
        ResyncProgress progress = volume.progress();
        progress.start(bytes);
        Run run = new Run(target, regions);
        List<Thread> threads = new ArrayList<>();
        try {
            for (int w = 0; w < Math.min(workers, Math.max(1, regions.size())); w++) {
                threads.add(Thread.ofVirtual()
                        .name("resync-" + target.id() + "-" + w)
                        .start(run::work));
            }
            try {
                for (Thread t : threads) {
                    t.join();
                }
            } catch (InterruptedException e) {
                run.failed.set(true);
                threads.forEach(Thread::interrupt);
                log.info("volume {}: {}: resync stopped", volume.spec().volumeId(), target);
                throw e;
            }
            if (run.failed.get() || target.state() != LegSyncState.SYNCING) {
                return false;
            }
            LegSet legs = volume.legs();
            legs.fanOut(List.of(target), (leg, io) -> io.flush());
            if (target.state() != LegSyncState.SYNCING) {
                return false;
            }
            volume.bitmap().rewriteAll();
            if (target.state() != LegSyncState.SYNCING) {
                return false;
            }
            CrashPoints.reach("agent.sync-copied");
            legs.join(target);
            log.info(
                    "volume {}: {}: resync done, {} bytes copied", volume.spec().volumeId(), target, bytes);
            return true;
        } catch (IOException e) {
            log.warn("volume {}: {}: resync could not finish: {}", volume.spec().volumeId(), target, e.getMessage());
            return false;
        } finally {
            progress.finish();
        }
    }

    /** One sync's shared state: the next region to take, how many are done, whether it failed. */
    private final class Run {
        final Leg target;
        final List<Long> regions;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final AtomicBoolean failed = new AtomicBoolean();
        /**
         * Regions copied when half of them are (rounded up): where "agent.sync-halfway" is, in a
         * full copy (a new leg's, or one with a blank header) only; 0 for a dirty-region resync.
         */
        final int halfway;

        Run(Leg target, List<Long> regions) {
            this.target = target;
            this.regions = regions;
            this.halfway = regions.size() == volume.spec().regions() ? (regions.size() + 1) / 2 : 0;
        }

        void work() {
            ByteBuffer buffer = ByteBuffer.allocateDirect((int) volume.spec().regionBytes());
            int i;
            while (!failed.get()
                    && target.state() == LegSyncState.SYNCING
                    && (i = next.getAndIncrement()) < regions.size()) {
                try {
                    buffer = copy(target, regions.get(i), buffer);
                } catch (IOException e) {
                    failed.set(true);
                    log.warn("volume {}: {}: resync stopped: {}", volume.spec().volumeId(), target, e.getMessage());
                    return;
                } catch (InterruptedException e) {
                    failed.set(true);
                    return;
                }
                if (done.incrementAndGet() == halfway) {
                    CrashPoints.reach("agent.sync-halfway");
                }
            }
        }
    }

    /** Copies one region; returns the buffer to use for the next one. */
    private ByteBuffer copy(Leg target, long region, ByteBuffer buffer) throws IOException, InterruptedException {
        VolumeSpec spec = volume.spec();
        LegSet legs = volume.legs();
        long at = spec.dataOffset() + region * spec.regionBytes();
        int length = (int) spec.regionLength(region);
        WriteIntentBitmap bitmap = volume.bitmap();
        // A hole on the source is a hint (a write may land before the region is taken), asked
        // again once it is taken: only then may the leg get zeroes instead of the bytes.
        if (sourceHoldsOnlyZeroes(legs, at, length)) {
            bitmap.beginCopy(region);
            try {
                if (sourceHoldsOnlyZeroes(legs, at, length)) {
                    legs.fanOut(List.of(target), (leg, io) -> io.writeZeroes(at, length, true));
                    checkStillSyncing(target);
                    volume.progress().copied(length);
                    return buffer;
                }
            } finally {
                bitmap.endCopy(region);
            }
        }
        throttle.acquire(length);
        ByteBuffer data;
        bitmap.beginCopy(region);
        try {
            data = readFromInSyncLeg(legs, at, buffer.clear().limit(length));
            checkStillSyncing(target);
            ByteBuffer read = data;
            legs.fanOut(List.of(target), (leg, io) -> io.write(at, read.duplicate(), false));
            checkStillSyncing(target);
        } finally {
            bitmap.endCopy(region);
        }
        volume.progress().copied(length);
        return data;
    }

    private static void checkStillSyncing(Leg target) throws IOException {
        if (target.state() != LegSyncState.SYNCING) {
            throw new IOException(target + " is " + target.state()
                    + target.error().map(e -> " (" + e + ")").orElse(""));
        }
    }

    /**
     * Whether an in-sync leg says the range reads as zeroes (NBD base:allocation). Any doubt (no
     * answer, an error, a partial map) means no: the bytes are copied.
     */
    private static boolean sourceHoldsOnlyZeroes(LegSet legs, long at, int length) throws InterruptedException {
        Optional<Leg> source = legs.reader();
        Optional<LegIo> io = source.flatMap(Leg::io);
        if (io.isEmpty()) {
            return false;
        }
        source.get().outstanding.incrementAndGet();
        try {
            List<BlockStatus> map = io.get()
                    .blockStatus(at, length)
                    .orTimeout(legs.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .get();
            long zeroes = 0;
            for (BlockStatus s : map) {
                if (!s.zero()) {
                    return false;
                }
                zeroes += s.length();
            }
            return zeroes >= length;
        } catch (ExecutionException | RuntimeException e) {
            return false; // not known: a failing source shows itself on the read
        } finally {
            source.get().outstanding.decrementAndGet();
        }
    }

    /** Reads into {@code data} from an in-sync leg; returns the buffer that holds the bytes. */
    private static ByteBuffer readFromInSyncLeg(LegSet legs, long at, ByteBuffer data)
            throws IOException, InterruptedException {
        ByteBuffer into = data;
        while (true) {
            Optional<Leg> source = legs.reader();
            Optional<LegIo> io = source.flatMap(Leg::io);
            if (io.isEmpty()) {
                throw new IOException("no in-sync leg to copy from");
            }
            source.get().outstanding.incrementAndGet();
            try {
                ByteBuffer dst = into;
                legs.send((l, x) -> x.read(at, dst.clear().limit(data.limit())), source.get(), io.get())
                        .get();
                return into;
            } catch (ExecutionException e) {
                legs.fail(source.get(), e.getCause());
                // A reply may still be on its way into that buffer: read the next try elsewhere.
                into = ByteBuffer.allocateDirect(data.capacity());
            } finally {
                source.get().outstanding.decrementAndGet();
            }
        }
    }
}
