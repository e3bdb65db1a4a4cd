package dev.cairn.nbd.server;

import dev.cairn.nbd.internal.WireReader;
import dev.cairn.nbd.tls.ServerTls;
import dev.cairn.nbd.tls.TlsChannel;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: a virtual thread runs the handshake ({@link Negotiation}), then a platform
 * thread of its own the transmission phase ({@link Transmission}); a {@link ReplyWriter} sends
 * replies as they complete, in any order.
 *
 * <p>Why a platform thread for transmission: a virtual thread blocked on its socket is woken by
 * the JDK's poller thread, which then wakes a carrier to run it, two thread wake-ups for every
 * request a client sends at queue depth 1; a platform thread blocked in {@code read} is woken by the
 * kernel directly. On a storage node (2 vCPUs, fio 4k at queue depth 1, same build, alternating
 * runs) that took random reads from 6,000-10,200 to 12,400-16,600 IOPS and writes from 6,500-9,900
 * to 14,500-17,600, and p99 latency from 136-3,031 µs to 80-171 µs. A client that never finishes
 * its handshake costs only a virtual thread.
 *
 * <p>Memory per connection is bounded, and what a stalled client pins is its own: a 4 KiB input
 * buffer during the handshake (plus the one option being read, at most 64 KiB), then a 256 KiB
 * input buffer and a 64 KiB reply scratch, the READ data of its {@link ReplyCredit} (2 MiB), and
 * at most {@code maxInFlight} requests outstanding (the reader waits for a permit before taking
 * the next one). Only write data already received and handed to a worker comes from the server's
 * shared budget, and that drains in device time. A peer that vanishes, sends garbage or stalls
 * costs this connection only: nothing it does blocks a worker thread or another connection, and
 * the server's sweep cuts it when it stalls past the deadline ({@link StallWatch}).
 *
 * <p>With TLS, the handshake thread upgrades the connection at NBD_OPT_STARTTLS (the TLS handshake
 * runs under the NBD handshake's deadline); from then on the reader and the reply writer go
 * through the {@link TlsChannel}, and a clean end sends close_notify. Cutting a connection
 * ({@link #close}) closes the socket under it, which never blocks.
 */
final class Connection implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Connection.class);
    static final int HANDSHAKE_BUFFER_BYTES = 4 * 1024;
    /** Also the largest piece a WRITE's payload is taken in. */
    static final int READ_BUFFER_BYTES = 256 * 1024;
    /** How long a client that sent DISC may take to read its last replies. */
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

    private final NbdServer server;
    private final SocketChannel channel;
    /** Where replies go: the socket, or the TLS channel over it once upgraded (by the handshake thread). */
    private GatheringByteChannel out;

    private Optional<TlsChannel> tls = Optional.empty();
    private final String peer;
    private final int maxInFlight;
    private final Semaphore inFlight;
    private final ReplyCredit credit;
    private final long acceptedNanos;
    private volatile Optional<String> exportName = Optional.empty();
    private volatile boolean transmitting;
    private volatile Optional<Future<?>> handshakeTimer = Optional.empty();
    private final StallWatch readerStall = new StallWatch();
    private final StallWatch writerStall = new StallWatch();

    Connection(NbdServer server, SocketChannel channel, String peer, int maxInFlight, long acceptedNanos) {
        this.server = server;
        this.channel = channel;
        this.out = channel;
        this.peer = peer;
        this.maxInFlight = maxInFlight;
        this.inFlight = new Semaphore(maxInFlight);
        this.credit = new ReplyCredit(server.buffers());
        this.acceptedNanos = acceptedNanos;
    }

    long acceptedNanos() {
        return acceptedNanos;
    }

    Semaphore inFlight() {
        return inFlight;
    }

    ReplyCredit credit() {
        return credit;
    }

    StallWatch readerStall() {
        return readerStall;
    }

    String peer() {
        return peer;
    }

    Optional<String> exportName() {
        return exportName;
    }

    void setHandshakeTimer(Future<?> timer) {
        handshakeTimer = Optional.of(timer);
    }

    boolean transmitting() {
        return transmitting;
    }

    /**
     * True when the client has left the server waiting too long: a request header or payload begun
     * and not finished, or a reply it does not take.
     */
    boolean stalled(long nowNanos, long timeoutNanos) {
        return readerStall.stalled(nowNanos, timeoutNanos) || writerStall.stalled(nowNanos, timeoutNanos);
    }

    /**
     * Ends the connection on server shutdown: a client in transmission gets the replies to every
     * request already received (its input is shut, so the reader stops at the next request); one
     * still negotiating is simply cut.
     */
    void shutdown() {
        if (!transmitting) {
            close();
            return;
        }
        try {
            channel.shutdownInput();
        } catch (IOException e) {
            close();
        }
    }

    /** Hard disconnect: closes the socket; the threads notice and clean up. */
    void close() {
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("{}: close failed: {}", peer, e.toString());
        }
    }

    @Override
    public void run() {
        BufferPool buffers = server.buffers();
        ByteBuffer input = buffers.takeOwned(HANDSHAKE_BUFFER_BYTES);
        try {
            WireReader in = new WireReader(channel, input);
            Optional<Negotiated> negotiated = Optional.empty();
            Optional<Negotiation.StartTls> startTls = server.tls().map(credentials -> () -> startTls(in, credentials));
            try {
                negotiated = new Negotiation(in, new OptionReplies(channel), server.catalog(), peer, startTls).run();
            } catch (EOFException | ClosedChannelException e) {
                log.debug("{}: gone during the handshake", peer);
            } catch (IOException | RuntimeException e) {
                log.warn("{}: handshake failed: {}", peer, e.toString());
            }
            handshakeTimer.ifPresent(t -> t.cancel(false));
            if (negotiated.isPresent()) {
                transmitting = true;
                exportName = Optional.of(negotiated.get().session().name());
                server.onTransmission(this);
                input = buffers.takeOwned(READ_BUFFER_BYTES);
                buffers.releaseOwned(in.replaceBuffer(input));
                ByteBuffer scratch = buffers.takeOwned(ReplyWriter.SCRATCH_BYTES);
                try {
                    Negotiated n = negotiated.get();
                    awaitEnd(Thread.ofPlatform()
                            .name("nbd-reader-" + peer)
                            .daemon()
                            .start(() -> transmit(in, n, scratch)));
                } finally {
                    buffers.releaseOwned(scratch);
                    negotiated.get().session().close();
                }
            }
            tls.ifPresent(this::closeTls);
        } finally {
            close();
            buffers.releaseOwned(input);
            server.onClosed(this);
        }
    }

    private GatheringByteChannel startTls(WireReader in, ServerTls credentials) throws IOException {
        TlsChannel secure = TlsChannel.accept(channel, credentials);
        in.switchChannel(secure);
        out = secure;
        tls = Optional.of(secure);
        log.debug("{}: {}", peer, secure.describe());
        return secure;
    }

    /**
     * Ends TLS cleanly (close_notify) once the session is over, if the socket is still open. The
     * writer's stall watch runs meanwhile, so a client that takes no more bytes is cut by the sweep.
     */
    private void closeTls(TlsChannel secure) {
        writerStall.start(System.nanoTime());
        try {
            secure.close();
        } catch (IOException e) {
            log.debug("{}: TLS close failed: {}", peer, e.toString());
        } finally {
            writerStall.stop();
        }
    }

    /** Waits for the transmission thread: its buffers are released only once it is done. */
    private void awaitEnd(Thread reader) {
        boolean interrupted = false;
        while (reader.isAlive()) {
            try {
                reader.join();
            } catch (InterruptedException e) {
                interrupted = true;
                close(); // ends the transmission soon
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void transmit(WireReader in, Negotiated n, ByteBuffer scratch) {
        ReplyWriter writer =
                new ReplyWriter(out, n.structuredReplies(), credit, inFlight, scratch, writerStall, this::close);
        Thread writerThread = Thread.ofVirtual().name("nbd-writer-" + peer).start(writer);
        boolean graceful = false;
        try {
            graceful = new Transmission(peer, n, in, writer, server, this).run();
        } catch (EOFException | ClosedChannelException e) {
            graceful = server.isClosing();
            log.debug("{}: connection closed by {}", peer, graceful ? "the server's shutdown" : "the peer");
        } catch (IOException e) {
            log.info("{}: connection failed: {}", peer, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("{}: the request loop hit a bug; disconnecting", peer, e);
        }
        if (!graceful) {
            close();
        }
        try {
            if (!inFlight.tryAcquire(maxInFlight, DRAIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("{}: replies not read within {}; disconnecting", peer, DRAIN_TIMEOUT);
                close();
                inFlight.acquireUninterruptibly(maxInFlight);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writerThread.interrupt(); // every reply is back: the writer is idle, see ReplyWriter
        try {
            writerThread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
