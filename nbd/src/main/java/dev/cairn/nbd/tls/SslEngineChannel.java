package dev.cairn.nbd.tls;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * TLS through the JDK's {@link SSLEngine} (x509). The engine may wrap on one thread while it
 * unwraps on another; everything else a side owns is guarded by that side's lock.
 *
 * <p>Buffers, all allocated once: ciphertext in (one record's worth, read mode), plaintext in (one
 * record's worth, read mode, used only when the caller's buffer cannot take a whole record: a large
 * payload is decrypted straight into its destination), ciphertext out (one record during the
 * handshake, {@link #RECORDS_PER_WRITE} records from the first large write on, so that a large
 * write costs one socket write per few records). The ciphertext buffers are on the heap: the
 * engine encrypts and decrypts in place there, and the JDK's AES-GCM takes its fast path only on
 * arrays (on direct buffers it goes through small copies, 1.7 times slower measured here); the
 * socket's copy to and from them is cheaper than that.
 */
final class SslEngineChannel extends RecordChannel {
    static final int RECORDS_PER_WRITE = 4;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SSLEngine engine;
    /** Guarded by the read lock. */
    private ByteBuffer netIn;
    /** Guarded by the read lock. */
    private ByteBuffer appIn;
    /** Set once the peer's close_notify or the socket's end has been read; read lock. */
    private boolean inputDone;
    /** Guarded by the write lock. */
    private ByteBuffer netOut;

    private SslEngineChannel(SocketChannel socket, SSLEngine engine) {
        super(socket);
        this.engine = engine;
        SSLSession session = engine.getSession();
        this.netIn = ByteBuffer.allocate(session.getPacketBufferSize()).flip();
        this.appIn = ByteBuffer.allocate(session.getApplicationBufferSize()).flip();
        this.netOut = ByteBuffer.allocate(session.getPacketBufferSize());
    }

    static SslEngineChannel handshake(SocketChannel socket, SSLEngine engine) throws IOException {
        SslEngineChannel channel = new SslEngineChannel(socket, engine);
        try {
            channel.runHandshake();
        } catch (SSLException e) {
            channel.sendPendingAlert();
            throw e;
        }
        return channel;
    }

    private void runHandshake() throws IOException {
        engine.beginHandshake();
        HandshakeStatus status = engine.getHandshakeStatus();
        while (status != HandshakeStatus.FINISHED && status != HandshakeStatus.NOT_HANDSHAKING) {
            status = switch (status) {
                case NEED_WRAP -> wrapHandshake();
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> unwrapHandshake();
                case NEED_TASK -> runTasks();
                default -> throw new SSLException("unexpected TLS handshake state " + status);
            };
        }
    }

    private HandshakeStatus wrapHandshake() throws IOException {
        netOut.clear();
        SSLEngineResult r = engine.wrap(EMPTY, netOut);
        netOut.flip();
        writeFully(netOut);
        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
            throw new SSLException("the TLS session was closed during its handshake");
        }
        return r.getHandshakeStatus();
    }

    private HandshakeStatus unwrapHandshake() throws IOException {
        SSLEngineResult r = unwrapInto(appIn);
        switch (r.getStatus()) {
            case BUFFER_UNDERFLOW -> {
                if (!fillNetIn()) {
                    throw new EOFException("the peer closed the connection during the TLS handshake");
                }
            }
            case CLOSED -> throw new SSLException("the peer closed the TLS session during its handshake");
            default -> {}
        }
        return r.getHandshakeStatus();
    }

    private HandshakeStatus runTasks() {
        for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
            task.run();
        }
        return engine.getHandshakeStatus();
    }

    /** After a failed handshake, the engine holds an alert that tells the peer why: send it. */
    private void sendPendingAlert() {
        try {
            engine.closeOutbound();
            netOut.clear();
            engine.wrap(EMPTY, netOut);
            netOut.flip();
            writeFully(netOut);
        } catch (IOException | RuntimeException e) {
            // the handshake failed already; the alert is a courtesy
        }
    }

    /** Unwraps into {@code plain} (kept in read mode), growing it if the session asks for more room. */
    private SSLEngineResult unwrapInto(ByteBuffer plain) throws SSLException {
        appIn = plain.compact();
        try {
            SSLEngineResult r = engine.unwrap(netIn, appIn);
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize() + appIn.position())
                        .put(appIn.flip());
                r = engine.unwrap(netIn, appIn);
            }
            return r;
        } finally {
            appIn.flip();
        }
    }

    /** Reads more ciphertext, growing the buffer if a record does not fit; false at the socket's end. */
    private boolean fillNetIn() throws IOException {
        if (netIn.remaining() == netIn.capacity()) {
            int size = Math.max(2 * netIn.capacity(), engine.getSession().getPacketBufferSize());
            netIn = ByteBuffer.allocate(size).put(netIn).flip();
        }
        return fill(netIn);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        readLock.lock();
        try {
            while (true) {
                if (!dst.hasRemaining()) {
                    return 0;
                }
                if (appIn.hasRemaining()) {
                    int n = Math.min(appIn.remaining(), dst.remaining());
                    dst.put(dst.position(), appIn, appIn.position(), n);
                    dst.position(dst.position() + n);
                    appIn.position(appIn.position() + n);
                    return n;
                }
                if (inputDone) {
                    return -1;
                }
                int produced = unwrapSome(dst);
                if (produced > 0) {
                    return produced;
                }
            }
        } finally {
            readLock.unlock();
        }
    }

    /**
     * Unwraps one record, straight into {@code dst} when it can take a whole one; reads more
     * ciphertext when a record is incomplete. Returns the bytes put in {@code dst}.
     */
    private int unwrapSome(ByteBuffer dst) throws IOException {
        if (!netIn.hasRemaining()) {
            if (!fillNetIn()) {
                inputDone = true;
            }
            return 0;
        }
        boolean direct = dst.remaining() >= engine.getSession().getApplicationBufferSize();
        SSLEngineResult r = direct ? engine.unwrap(netIn, dst) : unwrapInto(appIn);
        switch (r.getStatus()) {
            case BUFFER_UNDERFLOW -> {
                if (!fillNetIn()) {
                    inputDone = true;
                }
            }
            case CLOSED -> inputDone = true;
            default -> afterUnwrap(r.getHandshakeStatus());
        }
        return direct ? r.bytesProduced() : 0;
    }

    /**
     * A post-handshake message (a key update) may need an answer. It is sent now if no write is
     * under way; otherwise the writer's next wrap sends it ahead of its data (the engine queues
     * it), so the reader never waits for a writer that may be blocked on a peer that is not reading.
     */
    private void afterUnwrap(HandshakeStatus status) throws IOException {
        HandshakeStatus s = status;
        while (true) {
            switch (s) {
                case NEED_TASK -> s = runTasks();
                case NEED_WRAP -> {
                    if (!writeLock.tryLock()) {
                        return;
                    }
                    try {
                        s = wrapHandshake();
                    } finally {
                        writeLock.unlock();
                    }
                }
                default -> {
                    return;
                }
            }
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        writeLock.lock();
        try {
            long total = remaining(srcs, offset, length);
            if (total == 0) {
                return 0;
            }
            int packet = engine.getSession().getPacketBufferSize();
            if (total > packet && netOut.capacity() < RECORDS_PER_WRITE * packet) {
                netOut = ByteBuffer.allocate(RECORDS_PER_WRITE * packet);
            }
            netOut.clear();
            long consumed = 0;
            while (consumed < total && netOut.remaining() >= packet) {
                SSLEngineResult r = engine.wrap(srcs, offset, length, netOut);
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    throw new SSLException("the TLS session is closed");
                }
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    if (netOut.position() == 0) {
                        netOut = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
                        continue;
                    }
                    break;
                }
                consumed += r.bytesConsumed();
            }
            netOut.flip();
            writeFully(netOut);
            return consumed;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    void sendCloseNotify() throws IOException {
        engine.closeOutbound();
        netOut.clear();
        engine.wrap(EMPTY, netOut);
        netOut.flip();
        writeFully(netOut);
    }

    @Override
    public String describe() {
        SSLSession session = engine.getSession();
        return session.getProtocol() + " " + session.getCipherSuite();
    }
}
