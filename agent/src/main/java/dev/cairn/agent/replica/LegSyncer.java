package dev.cairn.agent.replica;

import dev.cairn.agent.bitmap.WriteIntentBitmap;
import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.control.api.CrashPoints;
import dev.cairn.legs.header.FillRecord;
import dev.cairn.legs.sync.RegionCopier;
import dev.cairn.legs.sync.ResyncPlan;
import dev.cairn.legs.sync.ResyncThrottle;
import dev.cairn.nbd.BlockStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings one SYNCING leg up to date while client I/O goes on: copies the given regions from
 * in-sync legs, {@code workers} at a time ({@link RegionCopier}). Each region is taken in the
 * bitmap for its copy, so no write to it runs between the read from the source and the write to
 * the leg (a copy never leaves a region older than the client's last write); writes to other
 * regions go to the leg as usual.
 * When every region is copied, the leg is flushed, given the whole bitmap, and joins as in sync.
 *
 * <p>Each worker asks the source whether a region reads as zeroes (NBD block status, asked again
 * once the region is taken): then the leg gets a write-zeroes, which costs neither side a copy
 * (nbdcopy skips holes the same way). Otherwise it acquires the region's bytes from the agent's
 * {@link ResyncThrottle} before taking the region (a client write never waits for the throttle),
 * reads it into a direct buffer (reused for later regions), and writes it to the leg. A buffer
 * whose read or write did not complete is never used again: a late reply could still land in it.
 *
 * <p>A full copy (a new leg, or one whose header cannot be trusted) writes a fill record on the
 * leg every 64 MiB or so (the agent's settings; at least 16 times a copy), after a flush of the leg: the next copy, by
 * this agent or another or by the leg's node once the volume is detached, goes on from there. A
 * dirty-region resync leaves the leg's header alone (it says which regions the leg missed).
 *
 * <p>Stopping: the leg leaving SYNCING (failed, removed) ends the workers after their region, and
 * interrupting the thread in {@link #sync} interrupts them at once (waits for the throttle, the
 * region or a leg are interruptible).
 */
final class LegSyncer {
    private static final Logger log = LoggerFactory.getLogger(LegSyncer.class);
    private final ReplicatedVolume volume;
    private final int workers;
    private final long fillRecordEveryBytes;
    private final ResyncThrottle throttle;

    LegSyncer(ReplicatedVolume volume, int workers, long fillRecordEveryBytes, ResyncThrottle throttle) {
        this.volume = volume;
        this.workers = Math.max(1, workers);
        this.fillRecordEveryBytes = fillRecordEveryBytes;
        this.throttle = throttle;
    }

    /** The regions a leg needs for {@code sync}, taken now (after the leg became writable). */
    List<Long> regionsFor(ResyncPlan.Sync sync) {
        return sync.regions(volume.spec().regions(), volume.bitmap().dirtyRegions());
    }

    /**
     * Copies {@code regions} to {@code target} and lets it join; false if it could not finish. A
     * full copy ({@code sync} FULL) keeps a fill record on the leg, so that whoever copies it next
     * (this agent after a failure, another after a crash or a move, its node once the volume is
     * detached) goes on from where this one got.
     */
    boolean sync(Leg target, ResyncPlan.Sync sync, List<Long> regions) throws InterruptedException {
        VolumeSpec spec = volume.spec();
        long bytes = regions.stream().mapToLong(spec::regionLength).sum();
        boolean full = sync.kind() == ResyncPlan.Sync.Kind.FULL;
        log.info(
                "volume {}: {}: resync of {} region(s), {} bytes, started{}",
                spec.volumeId(),
                target,
                regions.size(),
                bytes,
                full && sync.fromRegion() > 0 ? " (a full copy going on from region " + sync.fromRegion() + ")" : "");
        ResyncProgress progress = volume.progress();
        progress.start(bytes);
        Buffers buffers = new Buffers((int) spec.regionBytes());
        RegionCopier copier = new RegionCopier(
                workers, RegionCopier.checkpointEvery(spec.regionBytes(), spec.sizeBytes(), fillRecordEveryBytes));
        try {
            copier.copy(
                    regions,
                    full ? sync.fromRegion() : 0,
                    spec.regions(),
                    region -> copy(target, region, buffers),
                    full ? copiedBelow -> recordFill(target, copiedBelow) : RegionCopier.NO_CHECKPOINT,
                    full ? () -> CrashPoints.reach("agent.sync-halfway") : () -> {},
                    "resync-" + target.id());
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
        } catch (InterruptedException e) {
            log.info("volume {}: {}: resync stopped", volume.spec().volumeId(), target);
            throw e;
        } catch (IOException e) {
            log.warn("volume {}: {}: resync could not finish: {}", volume.spec().volumeId(), target, e.getMessage());
            return false;
        } finally {
            progress.finish();
        }
    }

    /**
     * Makes the regions copied so far durable on {@code target} and records on it that every
     * region below {@code copiedBelow} is copied.
     */
    private void recordFill(Leg target, long copiedBelow) throws IOException, InterruptedException {
        VolumeSpec spec = volume.spec();
        LegSet legs = volume.legs();
        legs.fanOut(List.of(target), (leg, io) -> io.flush());
        checkStillSyncing(target);
        FillRecord fill = new FillRecord(
                spec.volumeId(),
                target.id(),
                spec.generation(),
                spec.sizeBytes(),
                spec.regionBytes(),
                spec.dataOffset(),
                copiedBelow);
        legs.fanOut(List.of(target), (leg, io) -> io.write(0, fill.encode(), true));
        checkStillSyncing(target);
    }

    /**
     * Region-sized direct buffers, reused from one region to the next. A buffer whose read or write
     * did not complete is dropped, never reused: a late reply could still land in it.
     */
    private static final class Buffers {
        private final int bytes;
        private final ConcurrentLinkedQueue<ByteBuffer> free = new ConcurrentLinkedQueue<>();

        Buffers(int bytes) {
            this.bytes = bytes;
        }

        ByteBuffer take() {
            ByteBuffer b = free.poll();
            return b != null ? b : ByteBuffer.allocateDirect(bytes);
        }

        void give(ByteBuffer b) {
            free.add(b);
        }
    }

    /** Copies one region. */
    private void copy(Leg target, long region, Buffers buffers) throws IOException, InterruptedException {
        checkStillSyncing(target);
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
                    return;
                }
            } finally {
                bitmap.endCopy(region);
            }
        }
        throttle.acquire(length);
        bitmap.beginCopy(region);
        try {
            ByteBuffer data = readFromInSyncLeg(legs, at, buffers.take().clear().limit(length));
            checkStillSyncing(target);
            legs.fanOut(List.of(target), (leg, io) -> io.write(at, data.duplicate(), false));
            checkStillSyncing(target);
            buffers.give(data);
        } finally {
            bitmap.endCopy(region);
        }
        volume.progress().copied(length);
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
        Optional<CompletableFuture<List<BlockStatus>>> answer = legs.askReader((leg, io) -> io.blockStatus(at, length));
        if (answer.isEmpty()) {
            return false;
        }
        try {
            long zeroes = 0;
            for (BlockStatus s : answer.get().get()) {
                if (!s.zero()) {
                    return false;
                }
                zeroes += s.length();
            }
            return zeroes >= length;
        } catch (ExecutionException e) {
            return false; // not known: a failing source shows itself on the read
        }
    }

    /**
     * Reads into {@code data} from an in-sync leg; returns the buffer that holds the bytes (another
     * one if a try failed: a reply may still be on its way into the buffer of that try).
     */
    private static ByteBuffer readFromInSyncLeg(LegSet legs, long at, ByteBuffer data)
            throws IOException, InterruptedException {
        try {
            return legs.read(attempt -> {
                ByteBuffer into = attempt == 0 ? data : ByteBuffer.allocateDirect(data.capacity());
                return (leg, io) ->
                        io.read(at, into.clear().limit(data.limit())).thenApply(v -> into);
            });
        } catch (LegSet.NoLegAnswered e) {
            throw new IOException("no in-sync leg to copy from " + e.tried(), e);
        }
    }
}
