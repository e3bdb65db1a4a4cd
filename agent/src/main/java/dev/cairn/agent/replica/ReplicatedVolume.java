package dev.cairn.agent.replica;

import static dev.cairn.nbd.NbdProtocol.EIO;

import dev.cairn.agent.ServedVolume;
import dev.cairn.agent.bitmap.WriteIntentBitmap;
import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.control.api.Requests;
import dev.cairn.legs.header.BitmapFormat;
import dev.cairn.legs.header.LegHeader;
import dev.cairn.legs.io.LegConnector;
import dev.cairn.legs.io.LegIo;
import dev.cairn.legs.sync.ResyncThrottle;
import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.NbdException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attached volume's I/O, replicated over its legs (DESIGN.md section 5):
 *
 * <ul>
 *   <li>A write (trim, write-zeroes) first marks its regions in the write-intent bitmap, durably,
 *       then goes to every writable leg (in sync, or being synced) and is acknowledged once all of
 *       them answered and at least one in-sync leg took it. A leg that fails is marked failed and
 *       I/O goes on with the rest.
 *   <li>A read goes to the in-sync leg with the fewest requests outstanding; a failed read marks
 *       that leg failed and is retried on another.
 *   <li>FUA is passed to every leg; a flush goes to every writable leg and is acknowledged when
 *       every in-sync leg has made earlier writes durable.
 *   <li>With no in-sync leg left, I/O fails with EIO.
 * </ul>
 *
 * Requests arrive on many threads at once (one virtual thread per NBD request); the bitmap and
 * the {@link LegSet} hold the shared state. Its legs are brought to the controller's view by its
 * {@link LegAssembly}, which also moves it from ASSEMBLING to SERVING.
 */
public final class ReplicatedVolume implements ServedVolume {
    private static final Logger log = LoggerFactory.getLogger(ReplicatedVolume.class);

    /** Replaced when the legs change at the same generation; the geometry never changes. */
    private volatile VolumeSpec spec;

    private final LegSet legs;
    private final WriteIntentBitmap bitmap;
    private final ResyncProgress progress;
    private final LegAssembly assembly;
    /** Moved by {@link #moveTo} only, under the monitor; read by any thread. */
    private volatile Phase phase = new Assembling("not assembled yet");

    ReplicatedVolume(VolumeSpec spec, LegSet legs, ResyncProgress progress, LegAssembly assembly) {
        this.spec = spec;
        this.legs = legs;
        this.progress = progress;
        this.assembly = assembly;
        this.bitmap = new WriteIntentBitmap(spec.regions(), this::writeBitmapPage);
    }

    /**
     * Attaches a replicated volume: returns it ASSEMBLING while its legs are brought up in the
     * background. Its resyncs copy no faster than {@code throttle} allows (shared by the agent's
     * volumes); {@code onChange} runs whenever a leg changes state (the agent reports soon).
     */
    public static ReplicatedVolume attach(
            VolumeSpec spec,
            LegConnector connector,
            VolumeSettings settings,
            ResyncThrottle throttle,
            Runnable onChange) {
        return LegAssembly.start(spec, connector, settings, throttle, onChange);
    }

    public VolumeSpec spec() {
        return spec;
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
        return spec.sizeBytes();
    }

    @Override
    public String describe() {
        return spec.describe();
    }

    @Override
    public String description() {
        return "volume " + spec.name() + " (" + spec.legs().size() + " legs, generation " + spec.generation() + ")";
    }

    @Override
    public Phase phase() {
        return phase;
    }

    /** Assembly could not finish: says why while the volume is not served yet. */
    synchronized void waitFor(String reason) {
        if (phase instanceof Assembling) {
            moveTo(new Assembling(reason));
        }
    }

    /** Assembled: serves from now on, unless it was closed meanwhile. */
    synchronized void serve() {
        if (phase instanceof Assembling) {
            moveTo(new Serving());
        }
    }

    private synchronized void moveTo(Phase next) {
        Phase.check(describe(), phase, next);
        phase = next;
    }

    /**
     * The controller's view changed at the same generation: legs moved (new addresses, used from
     * the next connection on), were added (copied in full while I/O goes on) or removed (dropped).
     * Applied by the assembly's thread; {@link #spec()} shows the legs once they are.
     */
    @Override
    public void reconfigure(AgentApi.AttachedVolume view) {
        reconfigure(VolumeSpec.of(view));
    }

    /** As {@link #reconfigure(AgentApi.AttachedVolume)}, with the view already read. */
    void reconfigure(VolumeSpec newer) {
        VolumeSpec.incompatibility(spec, newer).ifPresent(why -> {
            throw new IllegalArgumentException(why);
        });
        assembly.reconfigure(newer);
    }

    /** The same volume with other legs (see {@link VolumeSpec#withLegs}). */
    void respec(VolumeSpec newer) {
        VolumeSpec.incompatibility(spec, newer).ifPresent(why -> {
            throw new IllegalArgumentException(why);
        });
        spec = newer;
    }

    LegSet legs() {
        return legs;
    }

    public WriteIntentBitmap bitmap() {
        return bitmap;
    }

    private void writeBitmapPage(int page, ByteBuffer bytes) throws IOException {
        long at = LegHeader.BITMAP_OFFSET + (long) page * BitmapFormat.PAGE_BYTES;
        int ok = fanOut(legs.writable(), (leg, io) -> io.write(at, bytes.duplicate(), true));
        if (ok == 0) {
            throw new NbdException(EIO, "no in-sync leg took the write-intent bitmap of volume " + spec.name());
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int start = dst.position();
        long at = spec.dataOffset() + offset;
        try {
            legs.read(attempt -> (leg, io) -> io.read(at, dst.position(start)));
            dst.position(dst.limit());
        } catch (LegSet.NoLegAnswered e) {
            throw new NbdException(EIO, "no in-sync leg could read volume " + spec.name() + e.tried());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NbdException(EIO, "interrupted");
        }
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        if (src.hasRemaining()) {
            long at = spec.dataOffset() + offset;
            mutate(offset, src.remaining(), (leg, io) -> io.write(at, src.duplicate(), fua), "write");
        }
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws IOException {
        if (length > 0) {
            long at = spec.dataOffset() + offset;
            mutate(offset, length, (leg, io) -> withFua(io.trim(at, length), io, fua), "trim");
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayTrim, boolean fua) throws IOException {
        if (length > 0) {
            long at = spec.dataOffset() + offset;
            mutate(offset, length, (leg, io) -> withFua(io.writeZeroes(at, length, mayTrim), io, fua), "write-zeroes");
        }
    }

    private static CompletableFuture<Void> withFua(CompletableFuture<Void> done, LegIo io, boolean fua) {
        return fua ? done.thenCompose(v -> io.flush()) : done;
    }

    /** Every writable leg makes earlier writes durable; acknowledged once every in-sync leg did. */
    @Override
    public void flush() throws IOException {
        if (fanOut(legs.writable(), (leg, io) -> io.flush()) == 0) {
            throw noInSyncLeg("flush");
        }
        awaitStable();
    }

    @Override
    public List<BlockStatus> blockStatus(long offset, long length, int maxDescriptors) throws IOException {
        long asked = Math.min(length, 1L << 30);
        long at = spec.dataOffset() + offset;
        try {
            List<BlockStatus> map = legs.read(attempt -> (leg, io) -> io.blockStatus(at, asked));
            return map.size() > maxDescriptors ? map.subList(0, maxDescriptors) : map;
        } catch (LegSet.NoLegAnswered e) {
            // Without a map, say "data" for the whole range: always true, if less precise.
            return List.of(new BlockStatus(asked, 0));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of(new BlockStatus(asked, 0));
        }
    }

    private void mutate(long offset, long length, Leg.Request<Void> op, String what) throws IOException {
        if (legs.inState(LegSyncState.IN_SYNC).isEmpty()) {
            throw noInSyncLeg(what);
        }
        long first = offset / spec.regionBytes();
        long last = (offset + length - 1) / spec.regionBytes();
        try {
            bitmap.beginWrite(first, last);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NbdException(EIO, "interrupted");
        }
        try {
            if (fanOut(legs.writable(), op) == 0) {
                throw noInSyncLeg(what);
            }
            awaitStable();
        } finally {
            bitmap.endWrite(first, last);
        }
    }

    private int fanOut(List<Leg> targets, Leg.Request<Void> op) throws NbdException {
        try {
            return legs.fanOut(targets, op);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NbdException(EIO, "interrupted");
        }
    }

    private void awaitStable() throws NbdException {
        try {
            legs.awaitStable();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NbdException(EIO, "interrupted");
        }
    }

    private NbdException noInSyncLeg(String what) {
        StringBuilder why = new StringBuilder();
        for (Leg l : legs.all()) {
            why.append(why.isEmpty() ? "" : "; ")
                    .append(l)
                    .append(' ')
                    .append(l.state())
                    .append(l.error().map(e -> " (" + e + ")").orElse(""));
        }
        return new NbdException(EIO, "no in-sync leg took the " + what + " on volume " + spec.name() + ": " + why);
    }

    /**
     * Clears the bits of regions that every leg holds (lazily: not written since the previous
     * sweep, flushed on every leg first). Does nothing unless every leg is in sync. Returns how
     * many bits were cleared.
     */
    public int sweepBitmap() throws IOException {
        if (!legs.allInSync()) {
            return 0;
        }
        WriteIntentBitmap.Sweep sweep = bitmap.sweep();
        if (sweep.regions().isEmpty()) {
            return 0;
        }
        List<Leg> all = legs.all();
        if (fanOut(all, (leg, io) -> io.flush()) < all.size() || !legs.allInSync()) {
            return 0;
        }
        return bitmap.clear(sweep);
    }

    /** What the agent tells the controller about this volume. */
    @Override
    public AgentApi.VolumeReport report() {
        List<AgentApi.LegReport> reports = legs.all().stream()
                .map(l -> new AgentApi.LegReport(
                        l.id().toString(), l.state(), l.error().map(Requests::reportable)))
                .toList();
        return new AgentApi.VolumeReport(spec.volumeId().toString(), spec.generation(), reports, progress.report());
    }

    public ResyncProgress progress() {
        return progress;
    }

    @Override
    public AgentApi.ResyncReport resync() {
        return progress.report();
    }

    @Override
    public long dirtyRegions() {
        return bitmap.dirtyCount();
    }

    /**
     * CLOSED: the assembly and the resyncs stop, then the legs' connections close. Served with
     * every leg in sync (a detach, the agent stopped), it closes cleanly as md stops an array: two
     * sweeps clear every bit no write in flight holds (none if fenced), and the next attach copies
     * nothing.
     */
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
        assembly.stop();
        if (served) {
            cleanUp();
        }
        legs.closeAll();
        assembly.awaitResyncsEnded();
    }

    private void cleanUp() {
        String why = legs.allInSync() ? "" : ": a leg is not in sync";
        try {
            sweepBitmap();
            sweepBitmap();
        } catch (IOException e) {
            why = ": " + e.getMessage();
        }
        if (bitmap.dirtyCount() > 0) {
            log.info(
                    "{}: closed with {} dirty region(s), resynced at the next attach{}",
                    describe(),
                    bitmap.dirtyCount(),
                    why);
        }
    }

    /** The state of each leg, in leg order. */
    @Override
    public List<LegSyncState> legStates() {
        return legs.all().stream().map(Leg::state).toList();
    }
}
