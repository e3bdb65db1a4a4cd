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
 */
public final class Extent {
    private final UUID id;
    private final long driveOffset;
    private final long sizeBytes;
    private final DriveBackend backend;
    private final ExtentRecord.Kind kind;
    private final IoGate gate = new IoGate();
    /** Read: an operation of a client bound to a generation; write: the generation changing. */
    private final ReentrantReadWriteLock fence = new ReentrantReadWriteLock();

    private volatile ExtentAccess access;

    Extent(ExtentRecord record, DriveBackend backend) {
        this.id = record.id();
        this.driveOffset = record.offset();
        this.sizeBytes = record.sizeBytes();
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
        return sizeBytes;
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

    /** Checks the range against the extent and runs {@code call} inside the I/O gate. */
    private <T> T gated(long offset, long length, BackendCall<T> call) throws IOException {
        check(offset, length);
        enter();
        try {
            return call.run(driveOffset + offset);
        } finally {
            gate.exit();
        }
    }

    public void read(long offset, ByteBuffer dst) throws IOException {
        gated(offset, dst.remaining(), at -> {
            backend.read(at, dst);
            return null;
        });
    }

    /**
     * Reads what is at hand without waiting for the medium; true when {@code dst} is full. See
     * {@link DriveBackend#tryRead}.
     */
    public boolean tryRead(long offset, ByteBuffer dst) throws IOException {
        return gated(offset, dst.remaining(), at -> backend.tryRead(at, dst));
    }

    /**
     * A read-only view of the extent's bytes straight from memory if all are resident; see {@link
     * DriveBackend#residentView}. The view outlives this call: it shows whatever the range holds
     * when it is read.
     */
    public Optional<ByteBuffer> residentView(long offset, int length) throws IOException {
        return gated(offset, length, at -> backend.residentView(at, length));
    }

    /** Writes without waiting for the medium if it can; see {@link DriveBackend#tryWrite}. */
    public boolean tryWrite(long offset, ByteBuffer src) throws IOException {
        return gated(offset, src.remaining(), at -> backend.tryWrite(at, src));
    }

    /** Writes; with {@code durable} the data is on stable storage when this returns (FUA). */
    public void write(long offset, ByteBuffer src, boolean durable) throws IOException {
        gated(offset, src.remaining(), at -> {
            if (durable) {
                backend.writeDurable(at, src);
            } else {
                backend.write(at, src);
            }
            return null;
        });
    }

    /** Makes every completed write to this extent durable (syncs the drive). */
    public void flush() throws IOException {
        gated(0, 0, at -> {
            backend.sync();
            return null;
        });
    }

    /** Releases the range; it reads back as zeroes. */
    public void discard(long offset, long length) throws IOException {
        gated(offset, length, at -> {
            backend.discard(at, length);
            return null;
        });
    }

    public void writeZeroes(long offset, long length, boolean allowHole) throws IOException {
        gated(offset, length, at -> {
            backend.writeZeroes(at, length, allowHole);
            return null;
        });
    }

    public boolean zeroesFast() {
        return backend.zeroesFast();
    }

    /** Allocation map of {@code [offset, offset + length)}, in extent-relative offsets. */
    public List<AllocationRange> allocation(long offset, long length) throws IOException {
        List<AllocationRange> onDrive = gated(offset, length, at -> backend.allocation(at, length));
        List<AllocationRange> relative = new ArrayList<>(onDrive.size());
        for (AllocationRange r : onDrive) {
            relative.add(new AllocationRange(r.position() - driveOffset, r.length(), r.hole()));
        }
        return relative;
    }

    private void check(long offset, long length) throws DriveException {
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
}
