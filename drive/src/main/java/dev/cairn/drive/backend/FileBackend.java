package dev.cairn.drive.backend;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A drive backed by a regular file or a block device, through direct system calls.
 *
 * <p>Reads and writes are pread/pwrite on one descriptor shared by all threads (the page cache is
 * shared, so a sync makes every completed write durable, whichever connection made it). Durable
 * writes use pwritev2 with RWF_DSYNC; discard and write-zeroes use fallocate (punch hole or zero
 * range) and fall back to writing zeroes where the file system or device cannot. The descriptor is
 * held with an exclusive flock so two processes never open the same drive.
 *
 * <p>The whole medium is also mapped read-only (shared), so data already in the page cache can be
 * handed out as a view ({@link #residentView}) and sent to a socket without being copied first;
 * mincore tells whether every page of a range is resident. The mapping is unmapped on close.
 */
public final class FileBackend implements DriveBackend {
    private static final Logger log = LoggerFactory.getLogger(FileBackend.class);
    private static final int ZERO_CHUNK = 1 << 20;
    private static final MemorySegment ZEROES = Arena.global().allocate(ZERO_CHUNK, 4096);
    private static final int MAX_ALLOCATION_RANGES = 1024;
    private static final long PAGE = Posix.pageSize();
    /** Views cover at most 32 MiB (the largest NBD request) plus a partial page at each end. */
    private static final long MAX_VIEW_PAGES = (32L << 20) / PAGE + 2;
    /** Per-thread mincore result vector, one byte per page. */
    private static final ThreadLocal<MemorySegment> RESIDENCY =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(MAX_VIEW_PAGES));

    private final Path path;
    private final int fd;
    private final Arena mappingArena;
    /** The whole medium, read-only; empty where the file system or device cannot be mapped. */
    private final Optional<MemorySegment> mapping;

    private final long sizeBytes;
    private final boolean blockDevice;
    /** Cleared when the kernel says fallocate is not supported here; from then on zeroes are written. */
    private volatile boolean fallocateSupported = true;
    /** Non-blocking reads (RWF_NOWAIT) are attempted on regular files only. */
    private final boolean nowaitSupported;

    private FileBackend(Path path, int fd, long sizeBytes, boolean blockDevice) {
        this.path = path;
        this.fd = fd;
        this.sizeBytes = sizeBytes;
        this.blockDevice = blockDevice;
        this.nowaitSupported = !blockDevice;
        this.mappingArena = Arena.ofShared();
        this.mapping = map(path, sizeBytes, mappingArena);
    }

    private static Optional<MemorySegment> map(Path path, long sizeBytes, Arena arena) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return Optional.of(channel.map(FileChannel.MapMode.READ_ONLY, 0, sizeBytes, arena));
        } catch (IOException | UnsupportedOperationException e) {
            log.warn("cannot map {} ({}); its reads will always be copied", path, e.toString());
            return Optional.empty();
        }
    }

    /** Creates a new sparse regular file of {@code sizeBytes}; fails if the path exists. */
    public static FileBackend create(Path path, long sizeBytes) throws IOException {
        if (sizeBytes <= 0) {
            throw new IllegalArgumentException("drive size must be positive, got " + sizeBytes);
        }
        int fd = Posix.open(path.toString(), Posix.O_RDWR | Posix.O_CREAT | Posix.O_EXCL | Posix.O_CLOEXEC, 0644);
        try {
            lock(fd, path);
            Posix.ftruncate(fd, sizeBytes);
            return new FileBackend(path, fd, sizeBytes, false);
        } catch (IOException | RuntimeException e) {
            closeQuietly(fd);
            Files.deleteIfExists(path);
            throw e;
        }
    }

    /** Opens an existing regular file or block device for exclusive use. */
    public static FileBackend open(Path path) throws IOException {
        BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (attrs.isSymbolicLink()) {
            attrs = Files.readAttributes(path, BasicFileAttributes.class);
        }
        if (attrs.isDirectory()) {
            throw new IOException(path + " is a directory, not a drive file or block device");
        }
        boolean device = attrs.isOther();
        int fd = Posix.open(path.toString(), Posix.O_RDWR | Posix.O_CLOEXEC, 0);
        try {
            lock(fd, path);
            long size = device ? Posix.lseek(fd, 0, Posix.SEEK_END) : attrs.size();
            if (size <= 0) {
                throw new IOException(path + " is empty");
            }
            return new FileBackend(path, fd, size, device);
        } catch (IOException | RuntimeException e) {
            closeQuietly(fd);
            throw e;
        }
    }

    private static void lock(int fd, Path path) throws IOException {
        try {
            Posix.flock(fd, Posix.LOCK_EX | Posix.LOCK_NB);
        } catch (NativeIoException e) {
            if (e.errno() == Posix.EWOULDBLOCK) {
                throw new IOException(path + " is in use by another process (it holds the drive lock)", e);
            }
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public boolean isBlockDevice() {
        return blockDevice;
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        checkRange(position, dst.remaining());
        if (!dst.isDirect()) {
            readIntoHeap(position, dst);
            return;
        }
        MemorySegment seg = MemorySegment.ofBuffer(dst);
        long done = 0;
        while (done < seg.byteSize()) {
            long n = Posix.pread(fd, seg.asSlice(done), position + done);
            if (n == 0) {
                throw new EOFException(describe() + ": read at " + (position + done) + " hit the end of the file");
            }
            done += n;
        }
        dst.position(dst.limit());
    }

    @Override
    public boolean tryRead(long position, ByteBuffer dst) throws IOException {
        checkRange(position, dst.remaining());
        if (!dst.isDirect() || !nowaitSupported) {
            return !dst.hasRemaining();
        }
        MemorySegment seg = MemorySegment.ofBuffer(dst);
        long done = 0;
        while (done < seg.byteSize()) {
            long n = Posix.preadNoWait(fd, seg.asSlice(done), position + done);
            if (n <= 0) {
                break;
            }
            done += n;
        }
        dst.position(dst.position() + (int) done);
        return !dst.hasRemaining();
    }

    @Override
    public Optional<ByteBuffer> residentView(long position, int length) {
        checkRange(position, length);
        long start = position / PAGE * PAGE;
        long end = position + length;
        long pages = (end - start + PAGE - 1) / PAGE;
        if (mapping.isEmpty() || length == 0 || pages > MAX_VIEW_PAGES) {
            return Optional.empty();
        }
        MemorySegment medium = mapping.get();
        MemorySegment vector = RESIDENCY.get().asSlice(0, pages);
        if (!Posix.mincore(medium.asSlice(start, Math.min(pages * PAGE, sizeBytes - start)), vector)) {
            return Optional.empty();
        }
        for (long i = 0; i < pages; i++) {
            if ((vector.get(ValueLayout.JAVA_BYTE, i) & 1) == 0) {
                return Optional.empty();
            }
        }
        return Optional.of(medium.asSlice(position, length).asByteBuffer());
    }

    private void readIntoHeap(long position, ByteBuffer dst) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            ByteBuffer tmp = arena.allocate(dst.remaining()).asByteBuffer();
            read(position, tmp);
            dst.put(tmp.flip());
        }
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        writeWith(position, src, 0);
    }

    /**
     * Buffered writes land in the page cache without waiting for the device, so a direct-buffer
     * write is done right here. (The kernel may still throttle a writer when dirty pages pile up;
     * that is the page cache's back-pressure, and it applies to every writer alike.)
     */
    @Override
    public boolean tryWrite(long position, ByteBuffer src) throws IOException {
        if (!src.isDirect()) {
            return false;
        }
        write(position, src);
        return true;
    }

    @Override
    public void writeDurable(long position, ByteBuffer src) throws IOException {
        writeWith(position, src, Posix.RWF_DSYNC);
    }

    private void writeWith(long position, ByteBuffer src, int rwfFlags) throws IOException {
        checkRange(position, src.remaining());
        if (!src.isDirect()) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment tmp = arena.allocate(src.remaining());
                tmp.copyFrom(MemorySegment.ofBuffer(src));
                writeSegment(position, tmp, rwfFlags);
            }
        } else {
            writeSegment(position, MemorySegment.ofBuffer(src), rwfFlags);
        }
        src.position(src.limit());
    }

    private void writeSegment(long position, MemorySegment seg, int rwfFlags) throws IOException {
        long done = 0;
        while (done < seg.byteSize()) {
            MemorySegment rest = seg.asSlice(done);
            done += rwfFlags == 0
                    ? Posix.pwrite(fd, rest, position + done)
                    : Posix.pwritev2(fd, rest, position + done, rwfFlags);
        }
    }

    @Override
    public void sync() throws IOException {
        Posix.fdatasync(fd);
    }

    @Override
    public void discard(long position, long length) throws IOException {
        zeroRange(position, length, Posix.FALLOC_FL_PUNCH_HOLE | Posix.FALLOC_FL_KEEP_SIZE);
    }

    @Override
    public void writeZeroes(long position, long length, boolean allowHole) throws IOException {
        zeroRange(
                position,
                length,
                allowHole
                        ? Posix.FALLOC_FL_PUNCH_HOLE | Posix.FALLOC_FL_KEEP_SIZE
                        : Posix.FALLOC_FL_ZERO_RANGE | Posix.FALLOC_FL_KEEP_SIZE);
    }

    private void zeroRange(long position, long length, int fallocateMode) throws IOException {
        checkRange(position, length);
        if (length == 0) {
            return;
        }
        if (fallocateSupported) {
            try {
                Posix.fallocate(fd, fallocateMode, position, length);
                return;
            } catch (NativeIoException e) {
                if (e.errno() != Posix.EOPNOTSUPP) {
                    throw e;
                }
                fallocateSupported = false;
            }
        }
        for (long done = 0; done < length; ) {
            long n = Math.min(ZERO_CHUNK, length - done);
            writeSegment(position + done, ZEROES.asSlice(0, n), 0);
            done += n;
        }
    }

    @Override
    public boolean zeroesFast() {
        return fallocateSupported;
    }

    @Override
    public List<AllocationRange> allocation(long position, long length) throws IOException {
        checkRange(position, length);
        if (blockDevice) {
            return DriveBackend.super.allocation(position, length);
        }
        long end = position + length;
        List<AllocationRange> ranges = new ArrayList<>();
        long at = position;
        while (at < end && ranges.size() < MAX_ALLOCATION_RANGES) {
            long data = Posix.lseek(fd, at, Posix.SEEK_DATA);
            long dataStart = data < 0 ? end : Math.min(data, end);
            if (dataStart > at) {
                ranges.add(new AllocationRange(at, dataStart - at, true));
                at = dataStart;
                continue;
            }
            long hole = Posix.lseek(fd, at, Posix.SEEK_HOLE);
            long dataEnd = hole < 0 ? end : Math.min(hole, end);
            ranges.add(new AllocationRange(at, dataEnd - at, false));
            at = dataEnd;
        }
        return ranges;
    }

    private void checkRange(long position, long length) {
        if (position < 0 || length < 0 || position > sizeBytes - length) {
            throw new IndexOutOfBoundsException(
                    describe() + ": range " + position + "+" + length + " is outside 0.." + sizeBytes);
        }
    }

    @Override
    public String describe() {
        return (blockDevice ? "block device " : "file ") + path;
    }

    /**
     * Unmaps the medium and closes the descriptor. Views handed out must no longer be in use (a
     * socket write still reading one keeps the mapping alive, and then it stays until exit).
     */
    @Override
    public void close() throws IOException {
        try {
            mappingArena.close();
        } catch (IllegalStateException e) {
            // a view is still being written to a socket; the mapping goes away with the process
        }
        Posix.close(fd);
    }

    private static void closeQuietly(int fd) {
        try {
            Posix.close(fd);
        } catch (NativeIoException ignored) {
            // the original failure is what the caller needs to see
        }
    }
}
