package dev.cairn.agent.ec;

import static dev.cairn.nbd.NbdProtocol.EIO;

import dev.cairn.agent.ServedVolume;
import dev.cairn.agent.replica.VolumeSettings;
import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.erasure.ReedSolomon;
import dev.cairn.legs.io.LegConnector;
import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.NbdException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * An erasure-coded volume served by the agent: its PStores' rows over their BStores (see {@link
 * PStoreIo} for reads and writes). Attaching connects every BStore at once; the volume is served
 * once every PStore has {@code k} members connected and each member was tried. A member not
 * reachable then is failed when serving starts (it would miss the writes that follow).
 */
public final class EcVolume implements ServedVolume {
    private static final Logger log = LoggerFactory.getLogger(EcVolume.class);
    /** Write-zeroes of a large range is cut into writes of this many bytes. */
    private static final int ZEROES_PER_WRITE = 1 << 20;

    /**
     * The controller's view of it as served (its BStores change in a reprotect, its size when it
     * grows; its generation never).
     */
    private volatile EcSpec spec;

    /** Its growth to the size the controller gave it, while it is served. */
    private final EcGrowth growth;

    /** Grows at the end (a growth's PStores), never shrinks: a request's PStore is always there. */
    private final CopyOnWriteArrayList<PStoreIo> pstores = new CopyOnWriteArrayList<>();

    private final VolumeSettings settings;
    private final ExecutorService connects = Executors.newVirtualThreadPerTaskExecutor();
    private volatile Phase phase = new Assembling("connecting its BStores");
    private final EcCounters counters = new EcCounters();
    private final LegConnector connector;
    private final MemberRejoins rejoins;

    private EcVolume(EcSpec spec, LegConnector connector, VolumeSettings settings) {
        this.spec = spec;
        this.connector = connector;
        this.settings = settings;
        ReedSolomon codec = ReedSolomon.of(spec.geometry().k(), spec.geometry().m());
        this.growth = new EcGrowth(this, connector, settings.legTimeout(), connects, codec, counters);
        for (int p = 0; p < spec.pstores().size(); p++) {
            pstores.add(growth.pstore(spec, p));
        }
        this.rejoins = new MemberRejoins(
                spec.volumeId(),
                pstores,
                connector,
                settings,
                connects,
                this,
                () -> phase instanceof Serving ? this.spec : null);
    }

    /**
     * Attaches the volume: returns it ASSEMBLING while its BStores are connected in the background;
     * {@code onChange} runs when it starts serving or a member fails to connect.
     */
    public static EcVolume attach(EcSpec spec, LegConnector connector, VolumeSettings settings, Runnable onChange) {
        Thread.ofVirtual().name("ec-warm-up").start(ReedSolomon::warmUp); // the codec compiled before it is busy
        EcVolume v = new EcVolume(spec, connector, settings);
        Thread.ofVirtual().name("ec-assembly-" + spec.name()).start(() -> v.assemble(onChange));
        return v;
    }

    /**
     * Connects every member, each within the BStore timeout, assembles every PStore and serves;
     * while that cannot be done (too few members answer, one fails while a PStore is repaired), it
     * says why and tries again from the start every {@code retryEvery}: nothing was served yet, so
     * every member may be tried again.
     */
    private void assemble(Runnable onChange) {
        while (phase instanceof Assembling) {
            List<String> problems =
                    PStoreAssembly.attemptAll(pstores, spec, connector, settings.legTimeout(), connects);
            synchronized (this) {
                if (!(phase instanceof Assembling)) {
                    return;
                }
                if (problems.isEmpty()) {
                    moveTo(new Serving());
                    log.info("{}: serving at generation {}", spec.describe(), spec.generation());
                    Thread.ofVirtual().name("ec-maintenance-" + spec.name()).start(this::maintainUntilClosed);
                } else {
                    Assembling waiting = new Assembling(String.join("; ", problems));
                    if (!waiting.equals(phase)) {
                        log.error("{}: cannot be served yet: {}", spec.describe(), waiting);
                    }
                    moveTo(waiting);
                }
            }
            onChange.run();
            if (phase instanceof Assembling) {
                try {
                    Thread.sleep(settings.retryEvery());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /**
     * Until the volume is closed: failed members tried again ({@link MemberRejoins}) every {@code
     * retryEvery}, quiet regions' bits cleared every {@code sweepEvery}.
     */
    private void maintainUntilClosed() {
        long nextSweep = settings.clock().millis() + settings.sweepEvery().toMillis();
        while (!(phase instanceof Closed)) {
            try {
                Thread.sleep(Math.clamp(
                        nextSweep - settings.clock().millis(),
                        1,
                        settings.retryEvery().toMillis()));
                rejoins.pass();
                growth.pass();
                if (settings.clock().millis() >= nextSweep) {
                    nextSweep =
                            settings.clock().millis() + settings.sweepEvery().toMillis();
                    sweep();
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                log.warn("{}: bitmap sweep: {}", spec.describe(), e.getMessage());
                if (e instanceof AttachmentFenced) {
                    return; // no sweep can write any more, no member join
                }
            }
        }
    }

    /**
     * The growth's last step ({@link EcGrowth}): every PStore takes {@code next}'s geometry, {@code
     * added} join, new requests see the new size. False if not served or not asked any more.
     */
    synchronized boolean grow(EcSpec next, List<PStoreIo> added) throws IOException {
        if (!(phase instanceof Serving) || !growth.asking(next)) {
            return false;
        }
        for (PStoreIo p : pstores) {
            p.grow(next.geometry());
        }
        pstores.addAll(added);
        spec = next;
        growth.done();
        return true;
    }

    List<PStoreIo> pstores() {
        return pstores;
    }

    boolean serving() {
        return phase instanceof Serving;
    }

    /**
     * A clean detach: no write comes any more, so two sweeps in a row clear every bit (where every
     * member is usable), and the next attach has nothing to repair.
     */
    private void cleanUp() {
        for (PStoreIo p : pstores) {
            try {
                p.sweep();
                p.sweep();
            } catch (IOException e) { // fenced: the detach's generation came first; the next attach repairs them
                log.atLevel(e instanceof AttachmentFenced ? Level.INFO : Level.WARN)
                        .log("{}: {} left dirty regions at detach: {}", spec.describe(), p.describe(), e.getMessage());
            }
        }
    }

    /** One sweep of every PStore's bitmap; how many bits it cleared. */
    int sweep() throws IOException {
        int cleared = 0;
        for (PStoreIo p : pstores) {
            if (phase instanceof Serving) {
                cleared += p.sweep();
            }
        }
        return cleared;
    }

    private synchronized void moveTo(Phase next) {
        Phase.check(describe(), phase, next);
        phase = next;
    }

    /** What it did since it was attached. */
    public EcCounters counters() {
        return counters;
    }

    @Override
    public UUID volumeId() {
        return spec.volumeId();
    }

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public long generation() {
        return spec.generation();
    }

    @Override
    public long sizeBytes() {
        return spec.geometry().volumeBytes();
    }

    @Override
    public String describe() {
        return spec.describe();
    }

    @Override
    public String description() {
        StripeGeometry g = spec.geometry();
        return "volume " + spec.name() + " (erasure-coded " + g.k() + "+" + g.m() + ", " + g.pstores()
                + " PStores, generation " + spec.generation() + ")";
    }

    @Override
    public Phase phase() {
        return phase;
    }

    /**
     * Takes the controller's new view of its BStores (a reprotect: a member being rebuilt elsewhere
     * is left, its rebuilt replacement joins; {@link MemberChanges}); a view of another geometry or
     * generation is refused.
     */
    @Override
    public void reconfigure(AgentApi.AttachedVolume view) {
        reconfigure(EcSpec.of(view));
    }

    synchronized void reconfigure(EcSpec next) {
        if (phase instanceof Closed) {
            return;
        }
        // A larger size: the PStores served now take their members from the new view at once; the
        // maintenance loop grows the volume (EcGrowth).
        EcSpec served = growth.asked(spec, next);
        if (!served.equals(spec)) {
            MemberChanges.apply(pstores, spec, served, phase instanceof Serving, connector, connects);
            spec = served;
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        ByteBuffer request = dst.slice();
        List<StripeGeometry.RowSpan> spans = spec.geometry().spans(offset, request.remaining());
        for (int i = 0; i < spans.size(); ) {
            StripeGeometry.RowSpan span = spans.get(i);
            int rows = FullRows.count(spans, i, spec.geometry().rowBytes());
            if (rows > 1) {
                FullRows.read(pstore(span), span.row(), rows, request, span.requestOffset());
            } else {
                pstore(span).read(span, request);
            }
            i += Math.max(rows, 1);
        }
        dst.position(dst.limit());
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        ByteBuffer request = src.slice();
        List<StripeGeometry.RowSpan> spans = spec.geometry().spans(offset, request.remaining());
        for (int i = 0; i < spans.size(); ) {
            StripeGeometry.RowSpan span = spans.get(i);
            int rows = FullRows.count(spans, i, spec.geometry().rowBytes());
            if (rows > 1) {
                FullRows.write(pstore(span), span.row(), rows, request, span.requestOffset(), fua);
            } else {
                pstore(span).write(span, request, fua);
            }
            i += Math.max(rows, 1);
        }
    }

    private PStoreIo pstore(StripeGeometry.RowSpan span) throws NbdException {
        if (!(phase instanceof Serving)) {
            throw new NbdException(EIO, describe() + " is " + phase);
        }
        return pstores.get(span.pstore());
    }

    @Override
    public void flush() throws IOException {
        for (PStoreIo p : pstores) {
            p.flush();
        }
    }

    /**
     * Nothing: NBD lets a client assume nothing of trimmed bytes until it writes them again, and a
     * trimmed chunk whose parity still held its old bytes would rebuild another chunk wrong.
     */
    @Override
    public void trim(long offset, long length, boolean fua) throws IOException {
        if (fua) {
            flush();
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayTrim, boolean fua) throws IOException {
        ByteBuffer zeroes = ByteBuffer.allocate((int) Math.min(length, ZEROES_PER_WRITE));
        for (long at = 0; at < length; at += zeroes.capacity()) {
            int n = (int) Math.min(zeroes.capacity(), length - at);
            write(offset + at, zeroes.duplicate().limit(n), fua);
        }
    }

    @Override
    public List<BlockStatus> blockStatus(long offset, long length, int maxDescriptors) {
        return List.of(new BlockStatus(Math.min(length, 1L << 30), 0));
    }

    /** The BStores that are not in sync ({@link EcReports#report}). */
    @Override
    public AgentApi.VolumeReport report() {
        return EcReports.report(spec, pstores, resync());
    }

    /** Each BStore's state; none is in sync before the volume is served (they may be catching up). */
    @Override
    public List<LegSyncState> legStates() {
        boolean serving = phase instanceof Serving;
        List<LegSyncState> states = new ArrayList<>();
        pstores.forEach(p -> p.members().forEach(b -> states.add(serving ? b.state() : LegSyncState.CONNECTING)));
        return states;
    }

    @Override
    public long dirtyRegions() {
        return pstores.stream().mapToLong(p -> p.record.bitmap.dirtyCount()).sum();
    }

    @Override
    public AgentApi.ResyncReport resync() {
        return new AgentApi.ResyncReport(0, 0, 0, 0);
    }

    @Override
    public void close() {
        boolean served;
        synchronized (this) {
            if (phase instanceof Closed) {
                return;
            }
            served = phase instanceof Serving;
            moveTo(new Closed());
        }
        connects.shutdownNow();
        if (served) {
            cleanUp();
        }
        pstores.forEach(p -> p.members().forEach(BStore::close));
    }
}
