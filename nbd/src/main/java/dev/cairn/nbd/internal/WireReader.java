package dev.cairn.nbd.internal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;

/**
 * Buffered big-endian reads from a blocking channel. One read call fetches as much as the kernel
 * has (many pipelined requests at once); payloads larger than what is buffered are read straight
 * into their destination. Owned by one reader thread. Internal to the NBD module (server and
 * client), not an API.
 */
public final class WireReader {
    /** Replaced once at most, when the connection is upgraded to TLS. */
    private ReadableByteChannel channel;
    /** In read mode: [position, limit) holds bytes received but not consumed. */
    private ByteBuffer buffer;

    public WireReader(ReadableByteChannel channel, int capacity) {
        this(channel, ByteBuffer.allocateDirect(capacity));
    }

    /** Reads through {@code buffer} (its whole capacity; its content is ignored). */
    public WireReader(ReadableByteChannel channel, ByteBuffer buffer) {
        this.channel = channel;
        this.buffer = buffer.clear().flip();
    }

    /**
     * Goes on reading through {@code larger} (whose content is ignored), keeping the bytes not yet
     * consumed; returns the buffer used until now, for the caller to recycle. A server reads a
     * handshake through a small buffer and switches to a large one once the client is in.
     */
    public ByteBuffer replaceBuffer(ByteBuffer larger) {
        if (larger.capacity() < buffer.remaining()) {
            throw new IllegalArgumentException(
                    "the new buffer cannot hold the " + buffer.remaining() + " bytes buffered");
        }
        ByteBuffer old = buffer;
        buffer = larger.clear().put(old).flip();
        return old;
    }

    /**
     * Goes on reading from {@code upgraded} (a TLS channel over the same socket). Nothing may be
     * buffered: bytes read before the upgrade were sent in clear, and must not be taken as if they
     * had come through TLS.
     */
    public void switchChannel(ReadableByteChannel upgraded) {
        if (buffer.hasRemaining()) {
            throw new IllegalStateException(buffer.remaining() + " bytes are buffered from before the switch");
        }
        channel = upgraded;
    }

    /** Makes at least {@code n} bytes available; EOFException if the peer closes first. */
    public void require(int n) throws IOException {
        if (buffer.remaining() < n) {
            fill(n, buffer.capacity()); // as much as the kernel has: many pipelined messages at once
        }
    }

    /**
     * Makes exactly {@code n} bytes available, reading none past them: for a payload taken in
     * pieces through this buffer, so that no part of the next piece is read with this one and then
     * moved to the front of the buffer.
     */
    public void requireExactly(int n) throws IOException {
        if (buffer.remaining() < n) {
            fill(n, n);
        }
    }

    private void fill(int n, int limit) throws IOException {
        if (n > buffer.capacity()) {
            throw new IllegalArgumentException("cannot buffer " + n + " bytes");
        }
        buffer.compact();
        buffer.limit(limit);
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

    /**
     * Reads {@code n} bytes into a heap array that grows as they arrive, so a peer that announces
     * many bytes and sends few makes the reader hold about what it sent, not what it announced.
     */
    public byte[] readBytesAsTheyArrive(int n) throws IOException {
        byte[] bytes = new byte[Math.min(n, buffer.capacity())];
        int filled = 0;
        while (filled < n) {
            if (filled == bytes.length) {
                bytes = Arrays.copyOf(bytes, (int) Math.min(n, 2L * bytes.length));
            }
            require(1);
            int step = Math.min(buffer.remaining(), bytes.length - filled);
            buffer.get(bytes, filled, step);
            filled += step;
        }
        return bytes;
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
