package dev.cairn.drive;

import dev.cairn.drive.backend.AllocationRange;
import dev.cairn.drive.backend.DriveBackend;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Block I/O on one extent: offsets are relative to the extent and checked against its size, so no
 * operation can reach another extent's bytes. Safe for concurrent use; every operation is refused
 * once the extent is being freed.
 *
 * <p>Fencing: a client bound to a generation runs its operations through {@link #fenced}, which
 * refuses them once the extent is at another generation. A change of generation waits for the
 * fenced operations in flight, so none of an old client's writes lands after it: whoever opens the
 * extent at the new generation sees the extent as the old client left it.
 *
 * <p>Growth: an extent's pieces (see {@link ExtentRecord}) only ever get longer or more numerous,
 * and what is already there never moves, so an operation running while the extent grows reaches
 * the same drive bytes either way. An operation whose range spans two pieces runs as one backend
 * call per piece; the non-blocking ones ({@link #tryRead}, {@link #tryWrite}, {@link
 * #residentView}) decline such a range and the caller uses the blocking one.
 */
public final class Extent {
    private final UUID id;
    private volatile Pieces pieces;
    private final DriveBackend backend;
    private final ExtentRecord.Kind kind;
    private final IoGate gate = new IoGate();
    /** Read: an operation of a client bound to a generation; write: the generation changing. */
    private final ReentrantReadWriteLock fence = new ReentrantReadWriteLock();

    private volatile ExtentAccess access;

    Extent(ExtentRecord record, DriveBackend backend) {
        this.id = record.id();
        this.pieces = new Pieces(record.pieces());
        this.access = record.access();
        this.backend = backend;
        this.kind = record.kind();
    }

    /** What the extent holds (blocks, or the slots of a KV volume). */
    public ExtentRecord.Kind kind() {
        return kind;
    }

    public UUID id() {
        return id;
    }

    public long sizeBytes() {
        return pieces.sizeBytes();
    }

    /** The extent as {@link Drive#grow} left it: same bytes where they were, more after them. */
    void grew(List<ExtentRecord.Piece> grown) {
        pieces = new Pieces(grown);
    }

    /** Current access rule (secret and generation); changes through {@link Drive#setAccess}. */
    public ExtentAccess access() {
        return access;
    }

    /** Waits for every fenced operation in flight, then changes the access rule. */
    void setAccess(ExtentAccess newAccess) {
        fence.writeLock().lock();
        try {
            this.access = newAccess;
        } finally {
            fence.writeLock().unlock();
        }
    }

    /** An operation a client bound to a generation runs on this extent. */
    public interface FencedCall<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code call} for a client that opened the extent at {@code generation}, or refuses it
     * (FENCED) if the extent is at another generation now. A generation change waits until it is
     * done.
     */
    public <T> T fenced(long generation, FencedCall<T> call) throws IOException {
        fence.readLock().lock();
        try {
            long current = access.generation();
            if (current != generation) {
                throw new DriveException(
                        DriveException.Reason.FENCED,
                        "fenced: this client holds generation " + generation + " but extent " + id
                                + " is at generation " + current);
            }
            return call.run();
        } finally {
            fence.readLock().unlock();
        }
    }

    /** An operation on the backend at a drive position. */
    private interface BackendCall<T> {
        T run(long drivePosition) throws IOException;
    }

    /** An operation on one piece's part of a range: {@code done} bytes of the range lie before it. */
    private interface SpanCall {
        void run(long drivePosition, long done, long length) throws IOException;
    }

    /**
     * Checks the range against the extent and runs {@code call} inside the I/O gate, when the
     * range lies in one piece (or is empty); otherwise returns {@code spanning}.
     */
    private <T> T gated(long offset, long length, BackendCall<T> call, T spanning) throws IOException {
        Pieces now = pieces;
        check(now, offset, length);
        enter();
        try {
            long at = now.within(offset, length);
            return at < 0 ? spanning : call.run(at);
        } finally {
            gate.exit();
        }
    }

    /** Checks the range and runs {@code call} for each piece's part of it, inside the I/O gate. */
    private void spans(long offset, long length, SpanCall call) throws IOException {
        Pieces now = pieces;
        check(now, offset, length);
        enter();
        try {
            now.walk(offset, length, call);
        } finally {
            gate.exit();
        }
    }

    public void read(long offset, ByteBuffer dst) throws IOException {
        int start = dst.position();
        int length = dst.remaining();
        spans(offset, length, (at, done, n) -> backend.read(at, dst.slice(start + (int) done, (int) n)));
        dst.position(start + length);
    }

    /**
     * Reads what is at hand without waiting for the medium; true when {@code dst} is full. See
     * {@link DriveBackend#tryRead}.
     */
    public boolean tryRead(long offset, ByteBuffer dst) throws IOException {
        return gated(offset, dst.remaining(), at -> backend.tryRead(at, dst), false);
    }

    /**
     * A read-only view of the extent's bytes straight from memory if all are resident; see {@link
     * DriveBackend#residentView}. The view outlives this call: it shows whatever the range holds
     * when it is read.
     */
    public Optional<ByteBuffer> residentView(long offset, int length) throws IOException {
        return gated(offset, length, at -> backend.residentView(at, length), Optional.empty());
    }

    /** Writes without waiting for the medium if it can; see {@link DriveBackend#tryWrite}. */
    public boolean tryWrite(long offset, ByteBuffer src) throws IOException {
        return gated(offset, src.remaining(), at -> backend.tryWrite(at, src), false);
    }

    /** Writes; with {@code durable} the data is on stable storage when this returns (FUA). */
    public void write(long offset, ByteBuffer src, boolean durable) throws IOException {
        int start = src.position();
        int length = src.remaining();
        spans(offset, length, (at, done, n) -> {
            ByteBuffer part = src.slice(start + (int) done, (int) n);
            if (durable) {
                backend.writeDurable(at, part);
            } else {
                backend.write(at, part);
            }
        });
        src.position(start + length);
    }

    /** Makes every completed write to this extent durable (syncs the drive). */
    public void flush() throws IOException {
        enter();
        try {
            backend.sync();
        } finally {
            gate.exit();
        }
    }

    /** Releases the range; it reads back as zeroes. */
    public void discard(long offset, long length) throws IOException {
        spans(offset, length, (at, done, n) -> backend.discard(at, n));
    }

    public void writeZeroes(long offset, long length, boolean allowHole) throws IOException {
        spans(offset, length, (at, done, n) -> backend.writeZeroes(at, n, allowHole));
    }

    public boolean zeroesFast() {
        return backend.zeroesFast();
    }

    /** Allocation map of {@code [offset, offset + length)}, in extent-relative offsets. */
    public List<AllocationRange> allocation(long offset, long length) throws IOException {
        List<AllocationRange> relative = new ArrayList<>();
        spans(offset, length, (at, done, n) -> {
            for (AllocationRange r : backend.allocation(at, n)) {
                relative.add(new AllocationRange(offset + done + (r.position() - at), r.length(), r.hole()));
            }
        });
        return relative;
    }

    private void check(Pieces now, long offset, long length) throws DriveException {
        long sizeBytes = now.sizeBytes();
        if (offset < 0 || length < 0 || offset > sizeBytes - length) {
            throw new DriveException(
                    DriveException.Reason.INVALID,
                    "range " + offset + "+" + length + " is outside extent " + id + " of " + sizeBytes + " bytes");
        }
    }

    private void enter() throws DriveException {
        if (!gate.enter()) {
            throw new DriveException(DriveException.Reason.CLOSED, "extent " + id + " is being freed");
        }
    }

    /** Refuses new I/O and waits for I/O in flight to finish. */
    void closeAndDrain() throws InterruptedException {
        gate.closeAndDrain();
    }

    boolean isClosed() {
        return gate.isClosed();
    }

    /** Where each of the extent's bytes is on the drive. */
    private static final class Pieces {
        private final long[] starts;
        private final long[] offsets;
        private final long[] sizes;
        private final long sizeBytes;

        Pieces(List<ExtentRecord.Piece> pieces) {
            int n = pieces.size();
            starts = new long[n];
            offsets = new long[n];
            sizes = new long[n];
            long at = 0;
            for (int i = 0; i < n; i++) {
                starts[i] = at;
                offsets[i] = pieces.get(i).offset();
                sizes[i] = pieces.get(i).sizeBytes();
                at += sizes[i];
            }
            sizeBytes = at;
        }

        long sizeBytes() {
            return sizeBytes;
        }

        /** The piece holding byte {@code offset} (the last for the end of the extent). */
        private int pieceOf(long offset) {
            int i = 0;
            while (i < starts.length - 1 && offset >= starts[i] + sizes[i]) {
                i++;
            }
            return i;
        }

        /** The drive position of a range inside one piece, or -1 when it spans two. */
        long within(long offset, long length) {
            int i = pieceOf(offset);
            return offset + length <= starts[i] + sizes[i] ? offsets[i] + offset - starts[i] : -1;
        }

        /** Calls {@code call} for each piece's part of a checked range (once for an empty one). */
        void walk(long offset, long length, SpanCall call) throws IOException {
            long done = 0;
            do {
                int i = pieceOf(offset + done);
                long inPiece = offset + done - starts[i];
                long n = Math.min(length - done, sizes[i] - inPiece);
                call.run(offsets[i] + inPiece, done, n);
                done += n;
            } while (done < length);
        }
    }
}
