package dev.cairn.drive.backend;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

/**
 * A drive that moves at most {@code bytesPerSecond}, as a disk would: every read, write and
 * zeroing of {@code n} bytes takes its turn on the drive's one timeline and returns {@code n /
 * bytesPerSecond} after the previous one ended (or after it started, on an idle drive); holes
 * punched are free. Reads from memory without the medium are refused, so every byte counts. For tests and benchmarks that stand
 * in for real disks with files on one machine ({@code --drive PATH,bandwidth=SIZE}).
 */
public final class LimitedBackend implements DriveBackend {
    private final DriveBackend drive;
    private final long bytesPerSecond;
    /** When the drive's timeline is free again, in {@link System#nanoTime} terms. */
    private long freeAtNanos = System.nanoTime();

    public LimitedBackend(DriveBackend drive, long bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("a drive's bandwidth must be positive, got " + bytesPerSecond);
        }
        this.drive = drive;
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Takes {@code bytes}' turn on the timeline and waits until it has passed. */
    private void take(long bytes) throws IOException {
        long doneAt;
        synchronized (this) {
            long now = System.nanoTime();
            long start = Math.max(now, freeAtNanos);
            doneAt = start + (long) (bytes * 1e9 / bytesPerSecond);
            freeAtNanos = doneAt;
        }
        long wait = doneAt - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the drive's bandwidth");
            }
        }
    }

    @Override
    public long sizeBytes() {
        return drive.sizeBytes();
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        take(dst.remaining());
        drive.read(position, dst);
    }

    @Override
    public boolean tryRead(long position, ByteBuffer dst) {
        return false;
    }

    @Override
    public boolean tryWrite(long position, ByteBuffer src) {
        return false;
    }

    @Override
    public Optional<ByteBuffer> residentView(long position, int length) {
        return Optional.empty();
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        take(src.remaining());
        drive.write(position, src);
    }

    @Override
    public void writeDurable(long position, ByteBuffer src) throws IOException {
        take(src.remaining());
        drive.writeDurable(position, src);
    }

    @Override
    public void sync() throws IOException {
        drive.sync();
    }

    @Override
    public void discard(long position, long length) throws IOException {
        drive.discard(position, length);
    }

    @Override
    public void writeZeroes(long position, long length, boolean allowHole) throws IOException {
        if (!allowHole) {
            take(length); // a hole is the file system's bookkeeping, as an unmap is a disk's
        }
        drive.writeZeroes(position, length, allowHole);
    }

    @Override
    public boolean zeroesFast() {
        return drive.zeroesFast();
    }

    @Override
    public List<AllocationRange> allocation(long position, long length) throws IOException {
        return drive.allocation(position, length);
    }

    @Override
    public String describe() {
        return drive.describe();
    }

    @Override
    public void close() throws IOException {
        drive.close();
    }
}
