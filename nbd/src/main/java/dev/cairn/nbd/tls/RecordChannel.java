package dev.cairn.nbd.tls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What both TLS implementations share: the socket, one lock for the reading side and one for the
 * writing side, and the moves of ciphertext between socket and buffers. Every record leaves
 * through {@link #writeFully} with {@link #writeLock} held, so records go out in the order they
 * were made, whichever thread made them.
 */
abstract class RecordChannel implements TlsChannel {
    final SocketChannel socket;
    final ReentrantLock readLock = new ReentrantLock();
    final ReentrantLock writeLock = new ReentrantLock();
    private final ByteBuffer[] single = new ByteBuffer[1];

    RecordChannel(SocketChannel socket) {
        this.socket = socket;
    }

    /** Sends all of {@code b}; the caller holds {@link #writeLock} (or owns the channel alone). */
    final void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            socket.write(b);
        }
    }

    /**
     * Reads what the socket has into {@code b} (kept in read mode: its unread bytes from position to
     * limit); false at the socket's end.
     */
    final boolean fill(ByteBuffer b) throws IOException {
        b.compact();
        try {
            return socket.read(b) >= 0;
        } finally {
            b.flip();
        }
    }

    static long remaining(ByteBuffer[] srcs, int offset, int length) {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += srcs[i].remaining();
        }
        return total;
    }

    @Override
    public final int write(ByteBuffer src) throws IOException {
        writeLock.lock();
        try {
            single[0] = src;
            return (int) write(single, 0, 1);
        } finally {
            single[0] = null;
            writeLock.unlock();
        }
    }

    @Override
    public final long write(ByteBuffer[] srcs) throws IOException {
        return write(srcs, 0, srcs.length);
    }

    @Override
    public final boolean isOpen() {
        return socket.isOpen();
    }

    /** Makes close_notify and sends it; called with {@link #writeLock} held. */
    abstract void sendCloseNotify() throws IOException;

    @Override
    public final void close() throws IOException {
        try {
            if (socket.isOpen() && writeLock.tryLock()) {
                try {
                    sendCloseNotify();
                } catch (IOException | RuntimeException e) {
                    // the peer is gone or the session broken: closing the socket is all that is left
                } finally {
                    writeLock.unlock();
                }
            }
        } finally {
            socket.close();
        }
    }
}
