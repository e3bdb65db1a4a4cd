package dev.cairn.drive.backend;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Wraps a backend and runs test-supplied faults before each operation: throw an I/O error for a
 * range, hold an operation until a latch opens, count calls. Faults are checked in the order they
 * were added; with none installed this is a transparent pass-through.
 */
public final class FaultyBackend implements DriveBackend {

    /** The operations a fault can intercept. */
    public enum Op {
        READ,
        WRITE,
        SYNC,
        DISCARD,
        ZERO
    }

    /** Runs before an operation; may throw to fail it or block to delay it. */
    @FunctionalInterface
    public interface Fault {
        void before(Op op, long position, long length) throws IOException;
    }

    private final DriveBackend inner;
    private final List<Fault> faults = new CopyOnWriteArrayList<>();

    public FaultyBackend(DriveBackend inner) {
        this.inner = inner;
    }

    public FaultyBackend add(Fault fault) {
        faults.add(fault);
        return this;
    }

    public void remove(Fault fault) {
        faults.remove(fault);
    }

    public void clear() {
        faults.clear();
    }

    /** A fault that fails {@code op} with an I/O error when it touches {@code [from, to)}. */
    public static Fault failing(Op op, long from, long to, String message) {
        return (o, position, length) -> {
            if (o == op && position < to && position + Math.max(length, 1) > from) {
                throw new IOException(message);
            }
        };
    }

    private void check(Op op, long position, long length) throws IOException {
        for (Fault f : faults) {
            f.before(op, position, length);
        }
    }

    @Override
    public long sizeBytes() {
        return inner.sizeBytes();
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        check(Op.READ, position, dst.remaining());
        inner.read(position, dst);
    }

    /** With faults installed every read takes the blocking path, so faults always see it. */
    @Override
    public boolean tryRead(long position, ByteBuffer dst) throws IOException {
        return faults.isEmpty() ? inner.tryRead(position, dst) : !dst.hasRemaining();
    }

    /** With faults installed there is no view: every read goes through {@link #read}. */
    @Override
    public Optional<ByteBuffer> residentView(long position, int length) throws IOException {
        return faults.isEmpty() ? inner.residentView(position, length) : Optional.empty();
    }

    /** With faults installed every write takes the blocking path, so faults always see it. */
    @Override
    public boolean tryWrite(long position, ByteBuffer src) throws IOException {
        return faults.isEmpty() && inner.tryWrite(position, src);
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        check(Op.WRITE, position, src.remaining());
        inner.write(position, src);
    }

    @Override
    public void writeDurable(long position, ByteBuffer src) throws IOException {
        check(Op.WRITE, position, src.remaining());
        check(Op.SYNC, position, src.remaining());
        inner.writeDurable(position, src);
    }

    @Override
    public void sync() throws IOException {
        check(Op.SYNC, 0, 0);
        inner.sync();
    }

    @Override
    public void discard(long position, long length) throws IOException {
        check(Op.DISCARD, position, length);
        inner.discard(position, length);
    }

    @Override
    public void writeZeroes(long position, long length, boolean allowHole) throws IOException {
        check(Op.ZERO, position, length);
        inner.writeZeroes(position, length, allowHole);
    }

    @Override
    public boolean zeroesFast() {
        return inner.zeroesFast();
    }

    @Override
    public List<AllocationRange> allocation(long position, long length) throws IOException {
        return inner.allocation(position, length);
    }

    @Override
    public String describe() {
        return "faulty " + inner.describe();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
