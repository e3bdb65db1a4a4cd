package dev.cairn.agent.replica;

import static dev.cairn.nbd.NbdProtocol.EIO;

import dev.cairn.agent.bitmap.WriteIntentBitmap;
import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.control.api.Requests;
import dev.cairn.legs.header.BitmapFormat;
import dev.cairn.legs.header.LegHeader;
import dev.cairn.legs.io.LegIo;
import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.NbdException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

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
 * the {@link LegSet} hold the shared state.
 */
public final class ReplicatedVolume {
    /** Replaced when the legs change at the same generation; the geometry never changes. */
    private volatile VolumeSpec spec;

    private final LegSet legs;
    private final WriteIntentBitmap bitmap;
    private final ResyncProgress progress;

    ReplicatedVolume(VolumeSpec spec, LegSet legs, ResyncProgress progress) {
        this.spec = spec;
        this.legs = legs;
        this.progress = progress;
        this.bitmap = new WriteIntentBitmap(spec.regions(), this::writeBitmapPage);
    }

    public VolumeSpec spec() {
        return spec;
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

    public void read(long offset, ByteBuffer dst) throws IOException {
        int start = dst.position();
        List<String> tried = new ArrayList<>();
        for (int attempt = 0; attempt <= legs.all().size(); attempt++) {
            Optional<Leg> leg = legs.reader();
            if (leg.isEmpty()) {
                break;
            }
            Optional<LegIo> io = leg.get().io();
            if (io.isEmpty()) {
                continue;
            }
            dst.position(start);
            leg.get().outstanding.incrementAndGet();
            try {
                legs.send((l, x) -> x.read(spec.dataOffset() + offset, dst), leg.get(), io.get())
                        .get();
                dst.position(dst.limit());
                return;
            } catch (ExecutionException e) {
                tried.add(leg.get() + ": " + LegIo.describe(e.getCause()));
                legs.fail(leg.get(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NbdException(EIO, "interrupted");
            } finally {
                leg.get().outstanding.decrementAndGet();
            }
        }
        throw new NbdException(EIO, "no in-sync leg could read volume " + spec.name() + tried);
    }

    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        if (src.hasRemaining()) {
            long at = spec.dataOffset() + offset;
            mutate(offset, src.remaining(), (leg, io) -> io.write(at, src.duplicate(), fua), "write");
        }
    }

    public void trim(long offset, long length, boolean fua) throws IOException {
        if (length > 0) {
            long at = spec.dataOffset() + offset;
            mutate(offset, length, (leg, io) -> withFua(io.trim(at, length), io, fua), "trim");
        }
    }

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
    public void flush() throws IOException {
        if (fanOut(legs.writable(), (leg, io) -> io.flush()) == 0) {
            throw noInSyncLeg("flush");
        }
        awaitStable();
    }

    public List<BlockStatus> blockStatus(long offset, long length, int maxDescriptors) throws IOException {
        long asked = Math.min(length, 1L << 30);
        for (int attempt = 0; attempt <= legs.all().size(); attempt++) {
            Optional<Leg> leg = legs.reader();
            Optional<LegIo> io = leg.flatMap(Leg::io);
            if (io.isEmpty()) {
                break;
            }
            try {
                List<BlockStatus> map =
                        io.get().blockStatus(spec.dataOffset() + offset, asked).get();
                return map.size() > maxDescriptors ? map.subList(0, maxDescriptors) : map;
            } catch (ExecutionException e) {
                legs.fail(leg.get(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        // Without a map, say "data" for the whole range: always true, if less precise.
        return List.of(new BlockStatus(asked, 0));
    }

    private void mutate(long offset, long length, LegSet.LegOp op, String what) throws IOException {
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

    private int fanOut(List<Leg> targets, LegSet.LegOp op) throws NbdException {
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

    /** The state of each leg, in leg order. */
    public List<LegSyncState> legStates() {
        return legs.all().stream().map(Leg::state).toList();
    }
}
