package dev.cairn.agent.ec;

import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.legs.header.BitmapFormat;
import dev.cairn.legs.header.DegradedWrite;
import dev.cairn.legs.header.PStoreHeader;
import dev.cairn.legs.io.LegConnector;
import dev.cairn.legs.io.LegIo;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings one PStore from its members' headers to a state it can be served in, before the volume
 * is: the newest superblock among the members says which members missed writes (they are caught up
 * if they answer, else stay failed); every region any member's bitmap marks dirty is made
 * consistent again (parity recomputed from the data, the chunks of members catching up rebuilt,
 * and, where a data member was missing, its bytes in rows a client died writing taken from the
 * degraded-write log), which closes the write hole a client that died mid-write leaves; then a superblock of the next
 * event is written to every usable member, with the bitmap.
 */
final class PStoreAssembly {
    private static final Logger log = LoggerFactory.getLogger(PStoreAssembly.class);

    private PStoreAssembly() {}

    /**
     * The newest superblock the usable members hold, the union of their bitmaps, and the members
     * whose own superblock names them failed (a rebuilt BStore the agent never caught up: its node
     * wrote it so, for it may miss writes made after it was filled).
     */
    private record Headers(Optional<PStoreHeader> newest, BitSet dirty, BitSet selfFailed) {}

    /**
     * Reads every usable member's header; a member whose header cannot be read, is damaged or
     * belongs elsewhere is failed.
     */
    private static Headers readHeaders(PStoreIo p, UUID volumeId, Duration timeout) throws IOException {
        PStoreHeader newest = null;
        BitSet dirty = new BitSet();
        BitSet selfFailed = new BitSet();
        int pages = BitmapFormat.pagesFor(p.record.bitmap.regions());
        for (BStore b : p.members()) {
            if (!b.usable()) {
                continue;
            }
            ByteBuffer header = ByteBuffer.allocate(PStoreHeader.BYTES + pages * BitmapFormat.PAGE_BYTES);
            try {
                LegIo.await(b.io().read(0, header.duplicate()), timeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException(p.describe() + ": interrupted");
            } catch (IOException e) {
                b.fail("could not read its header: " + e.getMessage());
                continue;
            }
            PStoreHeader.Read read = PStoreHeader.decode(header);
            Optional<String> wrong = problem(read, p, b.index, volumeId);
            if (wrong.isPresent()) {
                b.fail(wrong.get());
            } else if (read instanceof PStoreHeader.Valid v) {
                if (v.header().failed().get(b.index)) {
                    selfFailed.set(b.index);
                }
                dirty.or(BitmapFormat.decode(
                        p.record.bitmap.regions(), header.slice(PStoreHeader.BYTES, pages * BitmapFormat.PAGE_BYTES)));
                if (newest == null || v.header().events() > newest.events()) {
                    newest = v.header();
                }
            }
        }
        return new Headers(Optional.ofNullable(newest), dirty, selfFailed);
    }

    /**
     * What keeps member {@code member} of {@code p} from being one, by the header it holds: damaged,
     * or another volume's, PStore's, member's or geometry's (a blank one was never written: fine).
     */
    static Optional<String> problem(PStoreHeader.Read read, PStoreIo p, int member, UUID volumeId) {
        return switch (read) {
            case PStoreHeader.Blank _ -> Optional.empty();
            case PStoreHeader.Damaged d -> Optional.of("its header is damaged: " + d.reason());
            case PStoreHeader.Valid v ->
                v.header()
                        .mismatch(
                                volumeId,
                                p.index(),
                                member,
                                p.geometry().header(volumeId, p.index(), member, 0, 0, new BitSet()))
                        .map(wrong -> "its header " + wrong);
        };
    }

    /**
     * One try at assembling every PStore of {@code spec}: every member connected afresh (at once,
     * each within {@code timeout}; one being rebuilt elsewhere failed), then each PStore {@link
     * #run}; what keeps them from being served.
     */
    static List<String> attemptAll(
            List<PStoreIo> pstores, EcSpec spec, LegConnector connector, Duration timeout, Executor connects) {
        List<CompletableFuture<Void>> tries = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (PStoreIo p : pstores) {
            for (BStore b : p.members()) {
                b.reset();
                p.record.moving(
                        b.index, spec.pstores().get(p.index()).get(b.index).moving()); // the view now
                if (b.target.kept()) {
                    b.fail("being rebuilt on another drive (reprotect)");
                } else {
                    tries.add(CompletableFuture.runAsync(() -> b.connect(connector, deadline), connects));
                }
            }
        }
        CompletableFuture.allOf(tries.toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, timeout.toMillis() * 2, TimeUnit.MILLISECONDS)
                .join();
        pstores.forEach(p -> p.members().stream()
                .filter(b -> b.state() == LegSyncState.CONNECTING)
                .forEach(b -> b.fail("not reachable when the volume was attached")));
        List<String> problems = new ArrayList<>();
        for (PStoreIo p : pstores) {
            try {
                PStoreAssembly.run(p, spec.geometry(), spec.volumeId(), timeout).ifPresent(problems::add);
            } catch (IOException e) {
                problems.add(p.describe() + ": " + e.getMessage());
            } catch (RuntimeException e) {
                log.error("{}: {} could not be assembled (a bug)", spec.describe(), p.describe(), e);
                problems.add(p.describe() + ": " + e);
            }
        }
        return problems;
    }

    /** Assembles {@code p}; what keeps it from being served, if anything. */
    static Optional<String> run(PStoreIo p, StripeGeometry g, UUID volumeId, Duration timeout) throws IOException {
        Headers headers = readHeaders(p, volumeId, timeout);
        BitSet dirty = headers.dirty();
        PStoreHeader newest = headers.newest().orElse(null);
        BitSet stale = newest == null ? new BitSet() : newest.failed();
        stale.or(headers.selfFailed());
        if (dirty.isEmpty()) {
            stale.clear(); // every write since a member failed left its region dirty: none missed one
        }
        Set<Integer> catchingUp = new HashSet<>();
        int current = 0;
        for (BStore b : p.members()) {
            if (b.usable() && stale.get(b.index)) {
                catchingUp.add(b.index);
            } else if (b.usable()) {
                current++;
            }
        }
        if (current < g.k()) {
            return Optional.of(p.describe() + " has " + current + " of " + g.width() + " BStores holding every write"
                    + (catchingUp.isEmpty() ? "" : " (" + catchingUp.size() + " more answer but missed writes)") + ", "
                    + g.k() + " needed");
        }
        p.record.startFrom(newest == null ? 0 : newest.events(), stale);
        Set<Integer> targets = new HashSet<>(catchingUp);
        for (int i = g.k(); i < g.width(); i++) {
            targets.add(i); // parity of a dirty row is recomputed on every parity member
        }
        Set<Integer> notSources = Set.copyOf(catchingUp);
        // A data member that missed writes or is missing now: its bytes in rows a client died writing
        // are in the log (the client may have died before the superblock named it).
        boolean dataMissing = p.members().subList(0, g.k()).stream().anyMatch(b -> stale.get(b.index) || !b.usable());
        Map<Long, DegradedWrite> logged = newest != null && dataMissing && !dirty.isEmpty()
                ? p.log.read(p, newest.generation(), stale, dirty)
                : Map.of();
        long rows = g.rows(p.index());
        for (int r = dirty.nextSetBit(0); r >= 0; r = dirty.nextSetBit(r + 1)) {
            for (long row = (long) r * g.regionRows(); row < Math.min(rows, (long) (r + 1) * g.regionRows()); row++) {
                RowRepair.repair(p, row, notSources, targets, Optional.ofNullable(logged.get(row)));
            }
        }
        p.counters.repairedRegions.add(dirty.cardinality());
        if (!dirty.isEmpty() || !catchingUp.isEmpty()) {
            log.info(
                    "{}: {} dirty regions made consistent ({} rows from the degraded-write log), members {} caught up",
                    p.describe(),
                    dirty.cardinality(),
                    logged.size(),
                    catchingUp);
        }
        p.record.bitmap.load(dirty);
        p.record.recordNow();
        p.record.bitmap.rewriteAll();
        return p.usable() < g.k()
                ? Optional.of(p.describe() + " lost members while being assembled")
                : Optional.empty();
    }
}
