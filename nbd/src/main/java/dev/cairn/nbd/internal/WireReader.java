package dev.cairn.nbd.internal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Buffered big-endian reads from a blocking channel. One read call fetches as much as the kernel
 * has (many pipelined requests at once); payloads larger than what is buffered are read straight
 * into their destination. Owned by one reader thread. Internal to the NBD module (server and
 * client), not an API.
 */
public final class WireReader {
    private final ReadableByteChannel channel;
    /** In read mode: [position, limit) holds bytes received but not consumed. */
    private final ByteBuffer buffer;
    /** How much a refill may fetch beyond what was asked for; see {@link #setReadAhead}. */
    private int readAhead;

    public WireReader(ReadableByteChannel channel, int capacity) {
        this.channel = channel;
        this.buffer = ByteBuffer.allocateDirect(capacity).flip();
        this.readAhead = capacity;
    }

    /**
     * Limits how many bytes a refill fetches to {@code bytes} (at least what is required). Reading
     * ahead batches many small messages into one system call; before a large payload that will be
     * read straight into its own buffer, it only means copying the payload twice.
     */
    public void setReadAhead(int bytes) {
        this.readAhead = Math.clamp(bytes, 1, buffer.capacity());
    }

    /** Makes at least {@code n} bytes available; EOFException if the peer closes first. */
    public void require(int n) throws IOException {
        if (buffer.remaining() >= n) {
            return;
        }
        if (n > buffer.capacity()) {
            throw new IllegalArgumentException("cannot buffer " + n + " bytes");
        }
        buffer.compact();
        buffer.limit(Math.min(buffer.capacity(), Math.max(buffer.position(), Math.max(n, readAhead))));
        try {
            while (buffer.position() < n) {
                if (channel.read(buffer) < 0) {
                    throw new EOFException("peer closed the connection");
                }
            }
        } finally {
            buffer.flip();
        }
    }

    /** Bytes already received and not yet consumed. */
    public int buffered() {
        return buffer.remaining();
    }

    public int readInt() throws IOException {
        require(4);
        return buffer.getInt();
    }

    public int readUnsignedShort() throws IOException {
        require(2);
        return Short.toUnsignedInt(buffer.getShort());
    }

    public long readLong() throws IOException {
        require(8);
        return buffer.getLong();
    }

    /** Fills {@code dst} from its position to its limit. */
    public void readFully(ByteBuffer dst) throws IOException {
        int fromBuffer = Math.min(buffer.remaining(), dst.remaining());
        if (fromBuffer > 0) {
            dst.put(dst.position(), buffer, buffer.position(), fromBuffer);
            dst.position(dst.position() + fromBuffer);
            buffer.position(buffer.position() + fromBuffer);
        }
        while (dst.hasRemaining()) {
            if (channel.read(dst) < 0) {
                throw new EOFException("peer closed the connection in the middle of a payload");
            }
        }
    }

    /**
     * The next {@code n} bytes, if they are already buffered, as a read-only view that stays valid
     * until the next read; {@code null} otherwise. Nothing is consumed: call {@link #skip} after.
     */
    public ByteBuffer peek(int n) {
        if (buffer.remaining() < n) {
            return null;
        }
        return buffer.slice(buffer.position(), n).asReadOnlyBuffer();
    }

    /** Reads {@code n} bytes into a new heap array. */
    public byte[] readBytes(int n) throws IOException {
        byte[] bytes = new byte[n];
        readFully(ByteBuffer.wrap(bytes));
        return bytes;
    }

    /** Consumes and drops {@code n} bytes, using no more memory than the buffer. */
    public void skip(long n) throws IOException {
        long left = n;
        while (left > 0) {
            if (!buffer.hasRemaining()) {
                require(1);
            }
            int step = (int) Math.min(left, buffer.remaining());
            buffer.position(buffer.position() + step);
            left -= step;
        }
    }
}
