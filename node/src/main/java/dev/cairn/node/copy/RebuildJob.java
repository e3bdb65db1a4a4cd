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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
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
 * a plain copy), the others from a member that depends on the PStore, so that the rebuilds of a lost
 * drive read from every drive; every row's chunk of the member is decoded from those and written to
 * the local extent, {@link #ROWS_PER_STEP} rows at a time with {@link #STEPS_IN_FLIGHT} steps in
 * flight, under the node's copy throttle. Then
 * the new BStore gets the newest superblock (as its member) and the bitmap, and the job is done:
 * the restriper names it in the PStore's layout.
 *
 * <p>Client writes: while the volume is detached nobody writes (an attach raises the generation,
 * which fences this job's reads, and it starts again). While it is attached, the job starts only once
 * the newest superblock names the member failed (the agent writes around it from then on) or
 * moving (a drain or the rebalance: the agent still writes it, and it is read as any other): the
 * agent leaves every region it writes dirty from then on, and at the switch brings the new BStore
 * up to date over those regions (copied from the old BStore for a move, rebuilt from the others
 * for a lost one); rows read while being written are in them.
 */
final class RebuildJob implements LegCopies.Job {
    private static final Logger log = LoggerFactory.getLogger(RebuildJob.class);
    /**
     * Rows decoded per step: 4 rows of 64 KiB chunks read 256 KiB from each source. Small steps
     * keep the queue on a busy source drive short (a lost drive's rebuilds read from every drive at
     * once; everything else on the drive, its headers, the DKV, waits behind that queue).
     */
    static final int ROWS_PER_STEP = 4;
    /** Steps whose reads (and writes) are in flight at once. */
    static final int STEPS_IN_FLIGHT = 4;

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
        long opening = System.nanoTime();
        Map<Integer, LegIo> open = openAll();
        try (LegIo target = new LocalLegIo(local.get(), job.generation(), context.io())) {
            Headers h = readHeaders(open);
            BitSet failed = h.newest().map(PStoreHeader::failed).orElseGet(BitSet::new);
            if (job.attached() && !failed.get(job.member()) && !failed.get(PStoreHeader.movingBit(job.member()))) {
                return new CopyJob.Outcome.Waiting("the agent serving the volume has not yet named BStore "
                        + job.member() + " failed or moving in the PStore's superblock");
            }
            List<Integer> sources = sources(open, h, failed);
            if (sources.size() < job.k()) {
                return new CopyJob.Outcome.Waiting("only " + sources.size() + " of the PStore's BStores can be read"
                        + " holding every write, " + job.k() + " needed; unusable: " + h.unusable()
                        + (failed.isEmpty() ? "" : "; named failed by the newest superblock: " + failed));
            }
            ReedSolomon.warmUp(); // once per node: decoding cold runs the first megabytes interpreted
            log.info(
                    "{}: rebuilding {} bytes from BStores {} (members opened and headers read in {} ms)",
                    describe(),
                    job.rows() * job.chunkBytes(),
                    sources.subList(0, job.k()),
                    (System.nanoTime() - opening) / 1_000_000);
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
        // Every member's header asked at once: on a busy drive each read waits behind the other
        // rebuilds' reads, and one after the other they added up to seconds.
        Map<Integer, ByteBuffer> headers = new TreeMap<>();
        Map<Integer, CompletableFuture<Void>> reads = new TreeMap<>();
        for (Map.Entry<Integer, LegIo> e : open.entrySet()) {
            ByteBuffer header = ByteBuffer.allocate(PStoreHeader.BYTES + pages * BitmapFormat.PAGE_BYTES);
            headers.put(e.getKey(), header);
            reads.put(e.getKey(), e.getValue().read(0, header.duplicate()));
        }
        for (Map.Entry<Integer, ByteBuffer> e : headers.entrySet()) {
            int member = e.getKey();
            ByteBuffer header = e.getValue();
            try {
                // The copy timeout, not the probe's: the member answered its handshake, and on a
                // busy drive its header read waits behind the other rebuilds' reads.
                LegIo.await(reads.get(member), context.timeout());
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
     * The members to read, best first: the replaced member itself (a plain copy), then the ones
     * the restriper chose (spreading the rebuilds' reads), then the others from one the PStore
     * picks; never one the newest superblock names failed or whose header is wrong.
     */
    private List<Integer> sources(Map<Integer, LegIo> open, Headers h, BitSet failed) {
        List<Integer> out = new ArrayList<>();
        if (usable(job.member(), open, h, failed)) {
            out.add(job.member());
        }
        for (int i : job.sources()) {
            if (i != job.member()
                    && i >= 0
                    && i < job.members().size()
                    && usable(i, open, h, failed)
                    && !out.contains(i)) {
                out.add(i);
            }
        }
        // From a member that depends on the PStore, not always the first ones: the rebuilds of a
        // lost drive read from every drive, not mostly from the data members' ones.
        int width = job.members().size();
        int first = Math.floorMod(job.volumeId().hashCode() + job.pstore(), width);
        for (int n = 0; n < width; n++) {
            int i = (first + n) % width;
            if (i != job.member() && usable(i, open, h, failed) && !out.contains(i)) {
                out.add(i);
            }
        }
        return out;
    }

    private static boolean usable(int member, Map<Integer, LegIo> open, Headers h, BitSet failed) {
        return open.containsKey(member) && !h.unusable().containsKey(member) && !failed.get(member);
    }

    /** One step in flight: its rows' offset and length, and the reads of its sources' chunks. */
    private static final class Step {
        final long at;
        final int length;
        final ByteBuffer[] shards;
        final List<CompletableFuture<Void>> reads;

        Step(long at, int length, ByteBuffer[] shards, List<CompletableFuture<Void>> reads) {
            this.at = at;
            this.length = length;
            this.shards = shards;
            this.reads = reads;
        }
    }

    /**
     * Decodes and writes every row's chunk of the member, from {@code sources} ({@code k} of them),
     * {@link #STEPS_IN_FLIGHT} steps at once: the sources read the next steps while a step is
     * decoded and written, so each drive is kept busy rather than waiting on the slowest of the
     * others step by step.
     */
    private long copyRows(Map<Integer, LegIo> open, List<Integer> sources, LegIo target)
            throws IOException, InterruptedException {
        long total = job.rows() * job.chunkBytes();
        progress.start(total);
        long half = job.rows() / 2;
        Deque<Step> reading = new ArrayDeque<>();
        Deque<CompletableFuture<Void>> writing = new ArrayDeque<>();
        for (long row = 0; row < job.rows(); row += ROWS_PER_STEP) {
            int length = (int) (Math.min(ROWS_PER_STEP, job.rows() - row) * job.chunkBytes());
            context.throttle().acquire(length);
            reading.add(read(open, sources, job.headerBytes() + row * job.chunkBytes(), length));
            if (reading.size() >= STEPS_IN_FLIGHT) {
                write(reading.poll(), sources, target, writing);
            }
            if (row <= half && half < row + ROWS_PER_STEP) {
                CrashPoints.reach("node.rebuild-halfway");
            }
        }
        while (!reading.isEmpty()) {
            write(reading.poll(), sources, target, writing);
        }
        while (!writing.isEmpty()) {
            LegIo.await(writing.poll(), context.timeout());
        }
        LegIo.await(target.flush(), context.timeout());
        return total;
    }

    private Step read(Map<Integer, LegIo> open, List<Integer> sources, long at, int length) {
        ByteBuffer[] shards = new ByteBuffer[job.k() + job.m()];
        List<CompletableFuture<Void>> reads = new ArrayList<>();
        for (int s : sources.contains(job.member()) ? List.of(job.member()) : sources) {
            shards[s] = ByteBuffer.allocate(length);
            reads.add(open.get(s).read(at, shards[s].duplicate()));
        }
        return new Step(at, length, shards, reads);
    }

    /** Waits for the step's reads, decodes the member's chunks and sends them; bounds the writes in flight. */
    private void write(Step step, List<Integer> sources, LegIo target, Deque<CompletableFuture<Void>> writing)
            throws IOException, InterruptedException {
        for (CompletableFuture<Void> r : step.reads) {
            LegIo.await(r, context.timeout());
        }
        ByteBuffer[] shards = step.shards;
        if (shards[job.member()] == null) {
            List<Integer> missing = new ArrayList<>();
            int last = sources.stream().mapToInt(Integer::intValue).max().orElseThrow();
            for (int i = 0; i < shards.length; i++) {
                if (shards[i] == null) {
                    shards[i] = ByteBuffer.allocate(step.length);
                    if (i < last || i == job.member()) {
                        missing.add(i); // the first k present ones are read: the others count as missing
                    }
                }
            }
            codec.reconstruct(
                    shards, missing.stream().mapToInt(Integer::intValue).toArray());
        }
        writing.add(target.write(step.at, shards[job.member()].duplicate(), false)
                .thenRun(() -> progress.copied(step.length)));
        if (writing.size() > STEPS_IN_FLIGHT) {
            LegIo.await(writing.poll(), context.timeout());
        }
    }

    /**
     * The newest superblock, as the new member's and naming it failed (an attach before its agent
     * caught it up then takes it for stale), and the union of the members' bitmaps; durably.
     */
    private void writeHeader(LegIo target, Headers h) throws IOException, InterruptedException {
        if (h.newest().isEmpty()) {
            return; // no member was ever attached: the new one stays blank like them
        }
        ByteBuffer header = ByteBuffer.allocate(PStoreHeader.BYTES + pages * BitmapFormat.PAGE_BYTES);
        header.put(h.newest().get().asStaleMember(job.member()).encode());
        long[] words = h.dirty().toLongArray();
        for (int p = 0; p < pages; p++) {
            header.put(BitmapFormat.page(words, p));
        }
        LegIo.await(target.write(0, header.flip(), true), context.timeout());
    }
}
