package dev.cairn.node.copy;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.BStoreRebuild;
import dev.cairn.control.api.CrashPoints;
import dev.cairn.drive.Extent;
import dev.cairn.erasure.ReedSolomon;
import dev.cairn.legs.header.BitmapFormat;
import dev.cairn.legs.header.PStoreHeader;
import dev.cairn.legs.io.LegIo;
import dev.cairn.legs.io.LegTarget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One BStore this node rebuilds into its new extent (a reprotect, {@link BStoreRebuild}): it
 * opens the PStore's members over NBD at the volume's generation (the one being replaced too, if
 * it answers), reads their superblocks and bitmaps, and reads {@code k} members that hold every
 * write (none that the newest superblock names failed), preferring the replaced member itself (then
 * a plain copy) and data members; every row's chunk of the member is decoded from those and written
 * to the local extent, {@link #ROWS_PER_STEP} rows at a time, under the node's copy throttle. Then
 * the new BStore gets the newest superblock (as its member) and the bitmap, and the job is done:
 * the restriper names it in the PStore's layout.
 *
 * <p>Client writes: while the volume is detached nobody writes (an attach raises the generation,
 * which fences this job's reads, and it starts again). While it is attached, the job starts only once
 * the newest superblock names the member failed: the agent writes around it from then on, leaves
 * every region it writes dirty, and after the switch catches the new BStore up over those regions;
 * rows read while being written are in them.
 */
final class RebuildJob implements LegCopies.Job {
    private static final Logger log = LoggerFactory.getLogger(RebuildJob.class);
    /** Rows decoded per step: 16 rows of 64 KiB chunks read 1 MiB from each source. */
    static final int ROWS_PER_STEP = 16;

    private final BStoreRebuild job;
    private final LegCopies.Context context;
    private final CopyProgress progress;
    private final ReedSolomon codec;
    private final long regions;
    private final int pages;

    RebuildJob(BStoreRebuild job, LegCopies.Context context, CopyProgress progress) {
        if (job.members().size() != job.k() + job.m()
                || job.member() < 0
                || job.member() >= job.members().size()) {
            throw new IllegalArgumentException("the rebuild of BStore " + job.member() + " of PStore " + job.pstore()
                    + " names " + job.members().size() + " members for a " + job.k() + "+" + job.m() + " code");
        }
        if (job.regionRows() < 1 || job.chunkBytes() < 1 || job.rows() < 1) {
            throw new IllegalArgumentException("the rebuild of PStore " + job.pstore() + " has an empty geometry");
        }
        this.job = job;
        this.context = context;
        this.progress = progress;
        this.codec = ReedSolomon.of(job.k(), job.m());
        this.regions = (job.rows() + job.regionRows() - 1) / job.regionRows();
        this.pages = BitmapFormat.pagesFor(regions);
    }

    @Override
    public String describe() {
        return "volume " + job.volumeName() + ": PStore " + job.pstore() + " BStore " + job.member() + " (new extent "
                + job.extentId() + ")";
    }

    /** What the members' headers say: the newest superblock, the union of their bitmaps, who is readable. */
    private record Headers(Optional<PStoreHeader> newest, BitSet dirty, Map<Integer, String> unusable) {}

    @Override
    public CopyJob.Outcome attempt() throws IOException, InterruptedException {
        Optional<Extent> local = context.extents().apply(job.extentId());
        if (local.isEmpty()) {
            return new CopyJob.Outcome.Waiting("extent " + job.extentId() + " is not on this node (yet)");
        }
        if (local.get().access().generation() != job.generation()) {
            return new CopyJob.Outcome.Waiting("extent " + job.extentId() + " is at generation "
                    + local.get().access().generation() + ", the rebuild at " + job.generation());
        }
        Map<Integer, LegIo> open = openAll();
        try (LegIo target = new LocalLegIo(local.get(), job.generation(), context.io())) {
            Headers h = readHeaders(open);
            BitSet failed = h.newest().map(PStoreHeader::failed).orElseGet(BitSet::new);
            if (job.attached() && !failed.get(job.member())) {
                return new CopyJob.Outcome.Waiting("the agent serving the volume has not yet named BStore "
                        + job.member() + " failed in the PStore's superblock");
            }
            List<Integer> sources = sources(open, h, failed);
            if (sources.size() < job.k()) {
                return new CopyJob.Outcome.Waiting("only " + sources.size() + " of the PStore's BStores can be read"
                        + " holding every write, " + job.k() + " needed; unusable: " + h.unusable());
            }
            long bytes = copyRows(open, sources.subList(0, job.k()), target);
            writeHeader(target, h);
            CrashPoints.reach("node.rebuild-filled");
            log.info("{}: rebuilt, {} bytes, from BStores {}", describe(), bytes, sources.subList(0, job.k()));
            return new CopyJob.Outcome.Done(bytes);
        } finally {
            open.values().forEach(LegIo::close);
        }
    }

    /** Opens every member at once (a hung node costs the probe timeout once); those that answered. */
    private Map<Integer, LegIo> openAll() throws InterruptedException {
        Map<Integer, Future<LegIo>> pending = new TreeMap<>();
        try (ExecutorService opening = Executors.newVirtualThreadPerTaskExecutor()) {
            for (AgentApi.AttachedLeg b : job.members()) {
                if (!b.nbdAddress().isEmpty()) {
                    pending.put(
                            b.index(), opening.submit(() -> context.connector().connect(targetOf(b))));
                }
            }
        }
        Map<Integer, LegIo> open = new TreeMap<>();
        for (Map.Entry<Integer, Future<LegIo>> f : pending.entrySet()) {
            try {
                open.put(f.getKey(), f.getValue().get());
            } catch (ExecutionException e) {
                log.debug(
                        "{}: BStore {} cannot be opened: {}",
                        describe(),
                        f.getKey(),
                        e.getCause().getMessage());
            }
        }
        return open;
    }

    private LegTarget targetOf(AgentApi.AttachedLeg b) {
        return new LegTarget(
                b.index(),
                b.extentId(),
                b.nodeId(),
                LegTarget.address(b.nbdAddress()),
                LegTarget.exportName(b.extentId(), job.generation(), b.secret()),
                b.extentSizeBytes());
    }

    private Headers readHeaders(Map<Integer, LegIo> open) throws InterruptedException {
        PStoreHeader expected = new PStoreHeader(
                job.volumeId(),
                job.pstore(),
                0,
                job.k(),
                job.m(),
                job.chunkBytes(),
                job.rows(),
                job.regionRows(),
                0,
                0,
                new BitSet());
        PStoreHeader newest = null;
        BitSet dirty = new BitSet();
        Map<Integer, String> unusable = new TreeMap<>();
        for (Map.Entry<Integer, LegIo> e : List.copyOf(open.entrySet())) {
            int member = e.getKey();
            ByteBuffer header = ByteBuffer.allocate(PStoreHeader.BYTES + pages * BitmapFormat.PAGE_BYTES);
            try {
                LegIo.await(e.getValue().read(0, header.duplicate()), context.probeTimeout());
            } catch (IOException ex) {
                unusable.put(member, "header unreadable: " + ex.getMessage());
                continue;
            }
            switch (PStoreHeader.decode(header)) {
                case PStoreHeader.Blank _ -> {}
                case PStoreHeader.Damaged d -> unusable.put(member, "header damaged: " + d.reason());
                case PStoreHeader.Valid v -> {
                    Optional<String> wrong = v.header().mismatch(job.volumeId(), job.pstore(), member, expected);
                    if (wrong.isPresent()) {
                        unusable.put(member, "header " + wrong.get());
                        continue;
                    }
                    dirty.or(BitmapFormat.decode(
                            regions, header.slice(PStoreHeader.BYTES, pages * BitmapFormat.PAGE_BYTES)));
                    if (newest == null || v.header().events() > newest.events()) {
                        newest = v.header();
                    }
                }
            }
        }
        for (AgentApi.AttachedLeg b : job.members()) {
            if (!open.containsKey(b.index())) {
                unusable.putIfAbsent(b.index(), "not reachable");
            }
        }
        return new Headers(Optional.ofNullable(newest), dirty, unusable);
    }

    /**
     * The members to read, best first: the replaced member itself (a plain copy), then data
     * members, then parity; never one the newest superblock names failed or whose header is wrong.
     */
    private List<Integer> sources(Map<Integer, LegIo> open, Headers h, BitSet failed) {
        List<Integer> out = new ArrayList<>();
        if (usable(job.member(), open, h, failed)) {
            out.add(job.member());
        }
        for (int i = 0; i < job.members().size(); i++) {
            if (i != job.member() && usable(i, open, h, failed)) {
                out.add(i);
            }
        }
        return out;
    }

    private static boolean usable(int member, Map<Integer, LegIo> open, Headers h, BitSet failed) {
        return open.containsKey(member) && !h.unusable().containsKey(member) && !failed.get(member);
    }

    /** Decodes and writes every row's chunk of the member, from {@code sources} ({@code k} of them). */
    private long copyRows(Map<Integer, LegIo> open, List<Integer> sources, LegIo target)
            throws IOException, InterruptedException {
        long total = job.rows() * job.chunkBytes();
        progress.start(total);
        log.info("{}: rebuilding {} bytes from BStores {}", describe(), total, sources);
        int width = job.k() + job.m();
        boolean copy = sources.contains(job.member());
        long half = job.rows() / 2;
        for (long row = 0; row < job.rows(); row += ROWS_PER_STEP) {
            int length = (int) (Math.min(ROWS_PER_STEP, job.rows() - row) * job.chunkBytes());
            long at = job.headerBytes() + row * job.chunkBytes();
            context.throttle().acquire(length);
            ByteBuffer[] shards = new ByteBuffer[width];
            List<CompletableFuture<Void>> reads = new ArrayList<>();
            for (int s : copy ? List.of(job.member()) : sources) {
                shards[s] = ByteBuffer.allocate(length);
                reads.add(open.get(s).read(at, shards[s].duplicate()));
            }
            for (CompletableFuture<Void> r : reads) {
                LegIo.await(r, context.timeout());
            }
            if (!copy) {
                List<Integer> missing = new ArrayList<>();
                for (int i = 0; i < width; i++) {
                    if (shards[i] == null) {
                        shards[i] = ByteBuffer.allocate(length);
                        if (i <= sources.getLast()) {
                            missing.add(i);
                        }
                    }
                }
                if (!missing.contains(job.member())) {
                    missing.add(job.member());
                }
                codec.reconstruct(
                        shards, missing.stream().mapToInt(Integer::intValue).toArray());
            }
            LegIo.await(target.write(at, shards[job.member()].duplicate(), false), context.timeout());
            progress.copied(length);
            if (row <= half && half < row + ROWS_PER_STEP) {
                CrashPoints.reach("node.rebuild-halfway");
            }
        }
        LegIo.await(target.flush(), context.timeout());
        return total;
    }

    /** The newest superblock, as the new member's, and the union of the members' bitmaps; durably. */
    private void writeHeader(LegIo target, Headers h) throws IOException, InterruptedException {
        if (h.newest().isEmpty()) {
            return; // no member was ever attached: the new one stays blank like them
        }
        ByteBuffer header = ByteBuffer.allocate(PStoreHeader.BYTES + pages * BitmapFormat.PAGE_BYTES);
        header.put(h.newest().get().asMember(job.member()).encode());
        long[] words = h.dirty().toLongArray();
        for (int p = 0; p < pages; p++) {
            header.put(BitmapFormat.page(words, p));
        }
        LegIo.await(target.write(0, header.flip(), true), context.timeout());
    }
}
