package dev.cairn.drive.backend;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

/**
 * The raw medium under a drive: a range of bytes with positional I/O, durability and erasure.
 *
 * <p>The implementation that ships is {@link FileBackend} (a regular file or a block device). The
 * drive module's test-jar adds {@code MemoryBackend} (sparse memory, for tests and simulation),
 * {@code FaultyBackend} (fault injection around another backend) and {@code CrashingBackend} (a
 * volatile write cache, to build what a power loss could leave). All of them pass the same
 * contract suite. Every method is safe to call from many threads at once.
 */
public interface DriveBackend extends Closeable {

    /** Usable size in bytes. */
    long sizeBytes();

    /** Fills {@code dst} from its position to its limit with the bytes at {@code position}. */
    void read(long position, ByteBuffer dst) throws IOException;

    /**
     * Reads like {@link #read} but only what is at hand without waiting for the medium (for a file:
     * what is in the page cache). Advances {@code dst} by what it read; true when it is full. A
     * caller that gets false finishes with {@link #read} on a thread that may block. The default
     * reads nothing.
     */
    default boolean tryRead(long position, ByteBuffer dst) throws IOException {
        return !dst.hasRemaining();
    }

    /**
     * Writes like {@link #write} if that does not wait for the medium (for a file: a write into the
     * page cache); true when written. False, having written nothing, when the write could block
     * (the caller then writes on a thread that may block). The default never writes.
     */
    default boolean tryWrite(long position, ByteBuffer src) throws IOException {
        return false;
    }

    /**
     * A read-only view of {@code length} bytes at {@code position} straight from memory (for a
     * file: its pages in the page cache, through a shared read-only mapping), if every one of them
     * is in memory now; empty otherwise. Reading the view never waits for the medium, it copies
     * nothing, and it shows later writes to the range. It stays valid until the backend closes.
     * The default has no such view.
     */
    default Optional<ByteBuffer> residentView(long position, int length) throws IOException {
        return Optional.empty();
    }

    /** Writes {@code src} from its position to its limit at {@code position}. */
    void write(long position, ByteBuffer src) throws IOException;

    /**
     * Writes like {@link #write} and returns only once these bytes are on stable storage (the
     * equivalent of a write with FUA). The default writes, then syncs everything.
     */
    default void writeDurable(long position, ByteBuffer src) throws IOException {
        write(position, src);
        sync();
    }

    /** Forces every completed write to stable storage. */
    void sync() throws IOException;

    /**
     * Releases the range; afterwards it reads as zeroes. Backends that can deallocate do so (a hole
     * in a file, a discard on a device); the others write zeroes.
     */
    void discard(long position, long length) throws IOException;

    /**
     * Makes the range read as zeroes. With {@code allowHole} the backend may deallocate the range;
     * without it the range stays provisioned.
     */
    void writeZeroes(long position, long length, boolean allowHole) throws IOException;

    /** True when {@link #writeZeroes} is much cheaper than writing zero-filled buffers. */
    boolean zeroesFast();

    /**
     * Describes which parts of {@code [position, position + length)} are allocated. The ranges are
     * consecutive, start at {@code position}, and cover at least one byte; they may stop short of
     * the end when there would be very many. A backend that cannot tell reports one allocated range.
     */
    default List<AllocationRange> allocation(long position, long length) throws IOException {
        return List.of(new AllocationRange(position, length, false));
    }

    /** A short human description, used in errors and logs ("file /data/d0.img"). */
    String describe();
}
