package dev.cairn.agent.replica;

import dev.cairn.agent.bitmap.WriteIntentBitmap;
import dev.cairn.agent.leg.LegIo;
import dev.cairn.control.api.AgentApi.LegSyncState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings one SYNCING leg up to date while client I/O goes on: copies the given regions from
 * in-sync legs, a few at a time. Each region is taken in the bitmap for its copy, so no write to
 * it runs between the read from the source and the write to the leg (a copy never leaves a region
 * older than the client's last write); writes to other regions go to the leg as usual. When every
 * region is copied, the leg is flushed, given the whole bitmap, and joins as in sync.
 */
final class LegSyncer {
    private static final Logger log = LoggerFactory.getLogger(LegSyncer.class);

    private final ReplicatedVolume volume;
    private final int workers;

    LegSyncer(ReplicatedVolume volume, int workers) {
        this.volume = volume;
        this.workers = workers;
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
        log.info("{}: resync of {} region(s), {} bytes, started", target, regions.size(), bytes);
        ResyncProgress progress = volume.progress();
        progress.start(bytes);
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        try {
            for (int w = 0; w < Math.max(1, workers); w++) {
                threads.add(Thread.ofVirtual()
                        .name("resync-" + target.id() + "-" + w)
                        .start(() -> {
                            int i;
                            while (!failed.get() && (i = next.getAndIncrement()) < regions.size()) {
                                try {
                                    copy(target, regions.get(i));
                                } catch (IOException | InterruptedException e) {
                                    failed.set(true);
                                    log.warn("{}: resync stopped: {}", target, e.getMessage());
                                }
                            }
                        }));
            }
            for (Thread t : threads) {
                t.join();
            }
            if (failed.get() || target.state() != LegSyncState.SYNCING) {
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
            legs.join(target);
            log.info("{}: resync done, {} bytes copied", target, bytes);
            return true;
        } catch (IOException e) {
            log.warn("{}: resync could not finish: {}", target, e.getMessage());
            return false;
        } finally {
            progress.finish();
        }
    }

    private void copy(Leg target, long region) throws IOException, InterruptedException {
        VolumeSpec spec = volume.spec();
        LegSet legs = volume.legs();
        long at = spec.dataOffset() + region * spec.regionBytes();
        int length = (int) spec.regionLength(region);
        WriteIntentBitmap bitmap = volume.bitmap();
        bitmap.beginCopy(region);
        try {
            ByteBuffer data = ByteBuffer.allocate(length);
            readFromInSyncLeg(legs, at, data);
            if (target.state() != LegSyncState.SYNCING) {
                throw new IOException(target + " is " + target.state());
            }
            legs.fanOut(List.of(target), (leg, io) -> io.write(at, data.duplicate(), false));
            if (target.state() != LegSyncState.SYNCING) {
                throw new IOException(
                        target + " failed during resync: " + target.error().orElse("?"));
            }
        } finally {
            bitmap.endCopy(region);
        }
        volume.progress().copied(length);
    }

    private static void readFromInSyncLeg(LegSet legs, long at, ByteBuffer data)
            throws IOException, InterruptedException {
        while (true) {
            Optional<Leg> source = legs.reader();
            Optional<LegIo> io = source.flatMap(Leg::io);
            if (io.isEmpty()) {
                throw new IOException("no in-sync leg to copy from");
            }
            source.get().outstanding.incrementAndGet();
            try {
                legs.send((l, x) -> x.read(at, data.clear()), source.get(), io.get())
                        .get();
                return;
            } catch (ExecutionException e) {
                legs.fail(source.get(), e.getCause());
            } finally {
                source.get().outstanding.decrementAndGet();
            }
        }
    }
}
