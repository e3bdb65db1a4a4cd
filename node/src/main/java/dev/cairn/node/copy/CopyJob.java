package dev.cairn.node.copy;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.CrashPoints;
import dev.cairn.control.api.Views;
import dev.cairn.drive.Extent;
import dev.cairn.legs.header.FillRecord;
import dev.cairn.legs.io.LegIo;
import dev.cairn.legs.io.LegTarget;
import dev.cairn.legs.sync.LegProbe;
import dev.cairn.legs.sync.RegionCopier;
import dev.cairn.legs.sync.ResyncPlan;
import dev.cairn.nbd.BlockStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One copy a node makes of one of its legs of a detached volume (a {@link Views.LegCopy}): it opens
 * every other leg of the volume over NBD and its own leg directly ({@link LocalLegIo}), all at the
 * volume's generation, reads their headers and bitmaps, and lets {@link ResyncPlan} decide what the
 * leg needs and where to copy it from, exactly as the agent would at attach time. Then it copies
 * (a full copy keeps a fill record on the leg, so that it, or the agent once the volume is
 * attached, goes on from there), flushes, gives the leg the bitmap, and joins it to the in-sync
 * set in the superblocks ({@link SuperblockJoin}).
 *
 * <p>A kept leg (replaced after it went missing) is only ever caught up from the bitmap: if it
 * would need a full copy, the job waits (its replacement is getting one). Attempts that cannot
 * start or fail are retried with backoff until the controller stops asking (the job disappears
 * from the desired state, or the volume is attached: the generation then fences the copy).
 */
final class CopyJob implements LegCopies.Job {
    private static final Logger log = LoggerFactory.getLogger(CopyJob.class);
    /** Bytes between two fill records at most (each a flush of the leg); see {@link RegionCopier}. */
    static final long FILL_RECORD_EVERY_BYTES = 64L << 20;

    /** What one attempt came to: done, or why not yet. */
    sealed interface Outcome {
        record Done(long copiedBytes) implements Outcome {}

        record Waiting(String why) implements Outcome {}
    }

    private final Views.LegCopy job;
    private final UUID target;
    private final LegCopies.Context context;
    private final CopyProgress progress;
    private final ResyncPlan.Geometry geometry;

    CopyJob(Views.LegCopy job, LegCopies.Context context, CopyProgress progress) {
        this.job = job;
        this.target = job.extentId();
        this.context = context;
        this.progress = progress;
        long extentBytes = job.legs().stream()
                .filter(l -> l.extentId().equals(job.extentId()))
                .findFirst()
                .map(AgentApi.AttachedLeg::extentSizeBytes)
                .orElseThrow(() -> new IllegalArgumentException(
                        "the copy of leg " + job.extentId() + " does not list that leg among the volume's"));
        long regions = (job.sizeBytes() + job.regionSizeBytes() - 1) / job.regionSizeBytes();
        this.geometry = new ResyncPlan.Geometry(
                job.volumeId(), job.sizeBytes(), job.regionSizeBytes(), extentBytes - job.sizeBytes(), regions);
    }

    @Override
    public String describe() {
        return "volume " + job.volumeName() + ": leg " + job.extentId();
    }

    /** One attempt: probes every leg, copies what the leg needs, joins it. */
    @Override
    public Outcome attempt() throws IOException, InterruptedException {
        Optional<Extent> local = context.extents().apply(target);
        if (local.isEmpty()) {
            return new Outcome.Waiting("extent " + target + " is not on this node (yet)");
        }
        if (local.get().access().generation() != job.generation()) {
            return new Outcome.Waiting("extent " + target + " is at generation "
                    + local.get().access().generation() + ", the copy at " + job.generation());
        }
        Map<UUID, LegIo> open = new LinkedHashMap<>();
        try {
            List<ResyncPlan.Probe> probes = probeAll(local.get(), open);
            if (!open.containsKey(target)) {
                return new Outcome.Waiting("its own leg cannot be read");
            }
            Set<UUID> kept = job.legs().stream()
                    .filter(AgentApi.AttachedLeg::kept)
                    .map(AgentApi.AttachedLeg::extentId)
                    .collect(Collectors.toSet());
            List<UUID> legIds =
                    job.legs().stream().map(AgentApi.AttachedLeg::extentId).toList();
            ResyncPlan.Outcome plan = ResyncPlan.plan(geometry, legIds, kept, probes);
            if (plan instanceof ResyncPlan.Wait w) {
                return new Outcome.Waiting(w.reason());
            }
            return copyAndJoin((ResyncPlan.Ready) plan, open);
        } finally {
            open.values().forEach(LegIo::close);
        }
    }

    /** One leg opened and read: its connection (if it answered) and what was found. */
    private record Opened(UUID legId, Optional<LegIo> io, ResyncPlan.Probe probe) {}

    /**
     * Opens and reads every leg at once (a hung node costs the probe timeout once, not once per
     * leg); the ones that answered go into {@code open}.
     */
    private List<ResyncPlan.Probe> probeAll(Extent local, Map<UUID, LegIo> open) throws InterruptedException {
        List<Future<Opened>> pending = new ArrayList<>();
        try (ExecutorService probing = Executors.newVirtualThreadPerTaskExecutor()) {
            for (AgentApi.AttachedLeg l : job.legs()) {
                pending.add(probing.submit(() -> open(local, l)));
            }
        }
        List<ResyncPlan.Probe> probes = new ArrayList<>();
        for (Future<Opened> f : pending) {
            Opened o;
            try {
                o = f.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("a leg's probe failed unexpectedly", e.getCause());
            }
            o.io().ifPresent(io -> open.put(o.legId(), io));
            probes.add(o.probe());
        }
        return probes;
    }

    private Opened open(Extent local, AgentApi.AttachedLeg l) {
        UUID id = l.extentId();
        LegIo io = null;
        try {
            io = id.equals(target)
                    ? new LocalLegIo(local, job.generation(), context.io())
                    : context.connector().connect(targetOf(l));
            return new Opened(
                    id, Optional.of(io), LegProbe.read(geometry, id, "leg " + l.index(), io, context.probeTimeout()));
        } catch (IOException e) {
            if (io != null) {
                io.close();
            }
            return new Opened(id, Optional.empty(), new ResyncPlan.Unreachable(id, e.getMessage()));
        }
    }

    private LegTarget targetOf(AgentApi.AttachedLeg l) {
        UUID id = l.extentId();
        return new LegTarget(
                l.index(),
                id,
                l.nodeId(),
                LegTarget.address(l.nbdAddress()),
                LegTarget.exportName(id, job.generation(), l.secret()),
                l.extentSizeBytes(),
                l.kept());
    }

    private Outcome copyAndJoin(ResyncPlan.Ready plan, Map<UUID, LegIo> open) throws IOException, InterruptedException {
        ResyncPlan.Sync sync = plan.sync().get(target);
        if (sync == null) {
            return new Outcome.Waiting("the plan has nothing for its own leg");
        }
        if (sync.equals(ResyncPlan.Sync.NONE)) {
            return new Outcome.Done(0); // already in sync with the newest legs
        }
        boolean full = sync.kind() == ResyncPlan.Sync.Kind.FULL;
        if (job.kept() && full) {
            return new Outcome.Waiting("replaced after it went missing and cannot catch up from the bitmap (it would"
                    + " need a full copy): kept untouched until its replacement is in sync");
        }
        List<Long> dirty = plan.dirty().stream().mapToObj(r -> (long) r).toList();
        List<Long> regions = sync.regions(geometry.regions(), dirty);
        LegIo source = open.get(plan.source());
        LegIo leg = open.get(target);
        long bytes = regions.stream().mapToLong(this::regionLength).sum();
        progress.start(bytes);
        log.info(
                "volume {}: leg {}: copying {} region(s), {} bytes, from leg {}{}",
                job.volumeName(),
                target,
                regions.size(),
                bytes,
                plan.source(),
                full && sync.fromRegion() > 0 ? " (going on from region " + sync.fromRegion() + ")" : "");
        ConcurrentLinkedQueue<ByteBuffer> buffers = new ConcurrentLinkedQueue<>();
        new RegionCopier(
                        context.workers(),
                        RegionCopier.checkpointEvery(job.regionSizeBytes(), job.sizeBytes(), FILL_RECORD_EVERY_BYTES))
                .copy(
                        regions,
                        full ? sync.fromRegion() : 0,
                        geometry.regions(),
                        region -> copyRegion(source, leg, region, buffers),
                        full ? copiedBelow -> recordFill(leg, copiedBelow) : RegionCopier.NO_CHECKPOINT,
                        full ? () -> CrashPoints.reach("node.copy-halfway") : () -> {},
                        "copy-" + target);
        await(leg.flush());
        CrashPoints.reach("node.copy-copied");
        if (!SuperblockJoin.join(geometry, job.generation(), target, plan, open, context.timeout())) {
            return new Outcome.Waiting("another copy changed the superblocks meanwhile: planning again");
        }
        log.info("volume {}: leg {}: in sync, {} bytes copied", job.volumeName(), target, bytes);
        return new Outcome.Done(bytes);
    }

    private long regionLength(long region) {
        return Math.min(job.regionSizeBytes(), job.sizeBytes() - region * job.regionSizeBytes());
    }

    /** Copies one region: write-zeroes for a region the source holds as zeroes, else its bytes. */
    private void copyRegion(LegIo source, LegIo leg, long region, ConcurrentLinkedQueue<ByteBuffer> buffers)
            throws IOException, InterruptedException {
        long at = geometry.dataOffset() + region * job.regionSizeBytes();
        int length = (int) regionLength(region);
        if (zeroes(source, at, length)) {
            await(leg.writeZeroes(at, length, true));
        } else {
            context.throttle().acquire(length);
            ByteBuffer b = buffers.poll();
            if (b == null) {
                b = ByteBuffer.allocateDirect((int) job.regionSizeBytes());
            }
            ByteBuffer data = b.clear().limit(length);
            await(source.read(at, data));
            await(leg.write(at, data.duplicate(), false));
            buffers.add(b); // both completed: nothing can land in it late
        }
        progress.copied(length);
    }

    /** Whether the source says the range reads as zeroes; any doubt means no. */
    private boolean zeroes(LegIo source, long at, int length) throws InterruptedException {
        try {
            long zeroes = 0;
            for (BlockStatus s : await(source.blockStatus(at, length))) {
                if (!s.zero()) {
                    return false;
                }
                zeroes += s.length();
            }
            return zeroes >= length;
        } catch (IOException e) {
            return false; // a failing source shows itself on the read
        }
    }

    private void recordFill(LegIo leg, long copiedBelow) throws IOException, InterruptedException {
        await(leg.flush());
        FillRecord fill = new FillRecord(
                geometry.volumeId(),
                target,
                job.generation(),
                geometry.sizeBytes(),
                geometry.regionBytes(),
                geometry.dataOffset(),
                copiedBelow);
        await(leg.write(0, fill.encode(), true));
    }

    private <T> T await(CompletableFuture<T> request) throws IOException, InterruptedException {
        return LegIo.await(request, context.timeout());
    }
}
