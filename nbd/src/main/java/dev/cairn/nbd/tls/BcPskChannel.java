package dev.cairn.nbd.tls;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsProtocol;
import org.bouncycastle.tls.TlsServerProtocol;

/**
 * TLS-PSK through BouncyCastle's non-blocking protocol API: ciphertext read from the socket is
 * offered to the protocol, which queues the plaintext it decrypts; plaintext to send is handed to
 * it, and the records it queues are sent. The protocol object is not thread-safe, so every call on
 * it holds {@link #engineLock} (briefly: never during socket I/O); records are taken from its
 * output queue and sent only under the write lock, so they leave in the order they were made.
 *
 * <p>Buffers, allocated once: 64 KiB of ciphertext in, a 64 KiB plaintext scratch for writes
 * from buffers without an array (direct and mapped ones), and the ciphertext out.
 */
final class BcPskChannel extends RecordChannel {
    private static final int CHUNK_BYTES = 64 * 1024;

    private final TlsProtocol protocol;
    private final Optional<PskPeers.Server> server;
    /** The negotiated protocol version, as the peer's context tells it. */
    private final Supplier<String> version;

    private final ReentrantLock engineLock = new ReentrantLock();
    /** Guarded by the read lock. */
    private final ByteBuffer netIn = ByteBuffer.allocate(CHUNK_BYTES);
    /** Guarded by the write lock. */
    private final byte[] plain = new byte[CHUNK_BYTES];
    /** Guarded by the write lock. */
    private ByteBuffer netOut = ByteBuffer.allocateDirect(CHUNK_BYTES + 1024);

    private BcPskChannel(
            SocketChannel socket, TlsProtocol protocol, Optional<PskPeers.Server> server, Supplier<String> version) {
        super(socket);
        this.protocol = protocol;
        this.server = server;
        this.version = version;
    }

    static BcPskChannel accept(SocketChannel socket, PskKeys keys) throws IOException {
        TlsServerProtocol protocol = new TlsServerProtocol();
        PskPeers.Server peer = new PskPeers.Server(keys);
        BcPskChannel channel = new BcPskChannel(socket, protocol, Optional.of(peer), peer::negotiatedVersion);
        channel.handshake(() -> protocol.accept(peer));
        return channel;
    }

    static BcPskChannel connect(SocketChannel socket, String identity, byte[] key) throws IOException {
        return connect(socket, new PskPeers.Client(identity, key));
    }

    /** A client limited to {@code versions}: a test checks each against GnuTLS (nbdkit). */
    static BcPskChannel connect(SocketChannel socket, String identity, byte[] key, ProtocolVersion[] versions)
            throws IOException {
        return connect(socket, new PskPeers.Client(identity, key, versions));
    }

    private static BcPskChannel connect(SocketChannel socket, PskPeers.Client peer) throws IOException {
        TlsClientProtocol protocol = new TlsClientProtocol();
        BcPskChannel channel = new BcPskChannel(socket, protocol, Optional.empty(), peer::negotiatedVersion);
        channel.handshake(() -> protocol.connect(peer));
        return channel;
    }

    private interface Start {
        void run() throws IOException;
    }

    /** Starts the protocol and drives it until the handshake is done; the failure's alert is sent. */
    private void handshake(Start start) throws IOException {
        try {
            start.run();
            sendOutput();
            while (protocol.isHandshaking()) {
                netIn.clear();
                if (socket.read(netIn) < 0) {
                    throw new EOFException("the peer closed the connection during the TLS handshake");
                }
                protocol.offerInput(netIn.array(), 0, netIn.position());
                sendOutput();
            }
            if (!protocol.isConnected()) {
                throw new IOException("the TLS handshake ended without a session");
            }
        } catch (IOException | RuntimeException e) {
            try {
                sendOutput(); // the alert the failure raised tells the peer why
            } catch (IOException | RuntimeException again) {
                e.addSuppressed(again);
            }
            String unknown = server.map(PskPeers.Server::unknownIdentities).orElse("");
            if (!unknown.isEmpty()) {
                throw new IOException("TLS-PSK handshake failed: no key for the identity offered (" + unknown + ")", e);
            }
            throw e;
        } finally {
            netIn.clear().flip();
        }
    }

    /** Sends whatever records the protocol has queued; takes the write lock. */
    private void sendOutput() throws IOException {
        writeLock.lock();
        try {
            drainOutput();
        } finally {
            writeLock.unlock();
        }
    }

    /** Sends the queued records; the caller holds the write lock. */
    private void drainOutput() throws IOException {
        while (true) {
            int n;
            engineLock.lock();
            try {
                n = protocol.getAvailableOutputBytes();
                if (n == 0) {
                    return;
                }
                if (netOut.capacity() < Math.min(n, 1 << 20)) {
                    netOut = ByteBuffer.allocateDirect(Math.min(n, 1 << 20));
                }
                netOut.clear();
                protocol.readOutput(netOut, Math.min(n, netOut.capacity()));
            } finally {
                engineLock.unlock();
            }
            netOut.flip();
            writeFully(netOut);
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        readLock.lock();
        try {
            while (dst.hasRemaining()) {
                int available;
                engineLock.lock();
                try {
                    available = protocol.getAvailableInputBytes();
                    if (available > 0) {
                        return protocol.readInput(dst, Math.min(available, dst.remaining()));
                    }
                    if (protocol.isClosed()) {
                        return -1; // the peer's close_notify
                    }
                } finally {
                    engineLock.unlock();
                }
                if (!fill(netIn)) {
                    return -1; // the socket's end, without close_notify: NBD's framing tells a cut
                }
                offer();
                flushPending(); // an answer to what came in (a key update, a close_notify), if any
            }
            return 0;
        } finally {
            readLock.unlock();
        }
    }

    /** Offers what {@link #netIn} holds to the protocol; a failure's alert is sent before it is thrown. */
    private void offer() throws IOException {
        try {
            engineLock.lock();
            try {
                protocol.offerInput(netIn.array(), netIn.position(), netIn.remaining());
                netIn.position(netIn.limit());
            } finally {
                engineLock.unlock();
            }
        } catch (IOException | RuntimeException e) {
            try {
                flushPending(); // the alert the failure raised
            } catch (IOException | RuntimeException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    /**
     * Sends what the protocol queued, unless another thread holds the write lock: never waits for
     * it, so the reader is never held up by a writer blocked on a peer that is not reading (which
     * may be waiting for this very reader). Whoever holds the lock checks again after releasing
     * it, so nothing queued is left behind.
     */
    private void flushPending() throws IOException {
        while (hasOutput() && writeLock.tryLock()) {
            try {
                drainOutput();
            } finally {
                writeLock.unlock();
            }
        }
    }

    private boolean hasOutput() {
        engineLock.lock();
        try {
            return protocol.getAvailableOutputBytes() > 0;
        } finally {
            engineLock.unlock();
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        int n = 0;
        writeLock.lock();
        try {
            for (int i = offset; i < offset + length && n < plain.length; i++) {
                ByteBuffer src = srcs[i];
                int step = Math.min(src.remaining(), plain.length - n);
                src.get(plain, n, step);
                n += step;
            }
            if (n == 0) {
                return 0;
            }
            engineLock.lock();
            try {
                protocol.writeApplicationData(plain, 0, n);
            } finally {
                engineLock.unlock();
            }
            drainOutput();
        } finally {
            writeLock.unlock();
        }
        flushPending(); // what the reader queued while this thread held the lock
        return n;
    }

    @Override
    void sendCloseNotify() throws IOException {
        engineLock.lock();
        try {
            protocol.close();
        } finally {
            engineLock.unlock();
        }
        drainOutput();
    }

    @Override
    public String describe() {
        return version.get() + " PSK"
                + server.flatMap(PskPeers.Server::identity)
                        .map(i -> " (identity " + i + ")")
                        .orElse("");
    }
}
