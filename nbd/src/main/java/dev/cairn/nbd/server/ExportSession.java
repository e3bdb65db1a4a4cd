package dev.cairn.nbd.server;

import dev.cairn.nbd.BlockStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * One connection's use of an export. The server has already checked every request against the
 * size and the advertised constraints; the session does the I/O. Methods run on {@link #executor()}
 * and may be called concurrently. To answer with a specific NBD error, throw
 * {@link dev.cairn.nbd.NbdException}; any other {@link IOException} becomes EIO with its message.
 */
public interface ExportSession extends AutoCloseable {

    /** The export's canonical name (without any credentials the client sent). */
    String name();

    String description();

    long sizeBytes();

    ExportFeatures features();

    /**
     * Where this export's requests run. A storage node gives a pool of platform threads sized for
     * its drives; an export whose I/O waits on the network can give virtual threads.
     */
    Executor executor();

    /** Fills {@code dst} (position to limit) from {@code offset}. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /**
     * The data of a READ as a read-only view straight from memory (for example the page cache),
     * if all of it is there: the reply is then sent from the view, without a copy. The view shows
     * what the range holds when the reply is written (NBD leaves overlapping requests in flight
     * unordered) and must stay valid until the session is closed. Must not block. The default has
     * no view.
     */
    default Optional<ByteBuffer> residentView(long offset, int length) throws IOException {
        return Optional.empty();
    }

    /**
     * Reads only what is at hand without blocking (for example what is in the page cache), so the
     * connection's reader can answer at once instead of handing the read to the executor. Advances
     * {@code dst} by what it read; true when it is full. Must not block. The default reads nothing.
     */
    default boolean tryRead(long offset, ByteBuffer dst) throws IOException {
        return !dst.hasRemaining();
    }

    /**
     * Writes only if that does not wait for the device (for example a write into the page cache),
     * so the reader can answer at once. True when written (all of {@code src}); false, having
     * written nothing, when the write must go to the executor. Must not block for long. The
     * default never writes.
     */
    default boolean tryWrite(long offset, ByteBuffer src) throws IOException {
        return false;
    }

    /**
     * Where the server reports each request this session answers (command, bytes, latency,
     * error), for metrics. Asked once, when the session opens. The default observes nothing.
     */
    default RequestObserver observer() {
        return RequestObserver.NONE;
    }

    /** Writes {@code src} at {@code offset}; with {@code fua} it is durable on return. */
    void write(long offset, ByteBuffer src, boolean fua) throws IOException;

    /** Makes every write completed before this call durable. */
    void flush() throws IOException;

    /** Discards the range (it may read back as anything; ours read back as zeroes). */
    void trim(long offset, long length, boolean fua) throws IOException;

    /** Zeroes the range; with {@code mayTrim} it may deallocate. */
    void writeZeroes(long offset, long length, boolean mayTrim, boolean fua) throws IOException;

    /** The base:allocation map of the range, at most {@code maxDescriptors} long, never empty. */
    List<BlockStatus> blockStatus(long offset, long length, int maxDescriptors) throws IOException;

    /** The connection is gone. */
    @Override
    void close();
}
