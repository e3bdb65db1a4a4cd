package dev.cairn.nbd.server;

import dev.cairn.nbd.internal.WireReader;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: its reader thread runs the handshake ({@link Negotiation}) and then the
 * transmission phase ({@link Transmission}); a {@link ReplyWriter} sends replies as they complete,
 * in any order.
 *
 * <p>Memory per connection is bounded: at most {@code maxInFlight} requests are outstanding (the
 * reader waits for a permit before taking the next one) and every payload buffer comes from the
 * server's shared, budgeted {@link BufferPool}. A peer that vanishes, sends garbage or stalls
 * costs this connection only: nothing it does blocks a worker thread or another connection.
 */
final class Connection implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Connection.class);
    private static final int READ_BUFFER_BYTES = 256 * 1024;
    /** How long a client that sent DISC may take to read its last replies. */
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

    private final NbdServer server;
    private final SocketChannel channel;
    private final String peer;
    private final int maxInFlight;
    private final Semaphore inFlight;
    private volatile Optional<String> exportName = Optional.empty();
    private volatile boolean transmitting;
    private volatile Optional<Future<?>> handshakeTimer = Optional.empty();
    private final PayloadWatch payloadWatch = new PayloadWatch();

    Connection(NbdServer server, SocketChannel channel, String peer, int maxInFlight) {
        this.server = server;
        this.channel = channel;
        this.peer = peer;
        this.maxInFlight = maxInFlight;
        this.inFlight = new Semaphore(maxInFlight);
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

    /** True when the client sent a request header and has not sent its payload for too long. */
    boolean payloadStalled(long nowNanos, long timeoutNanos) {
        return payloadWatch.stalled(nowNanos, timeoutNanos);
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
        try {
            WireReader in = new WireReader(channel, READ_BUFFER_BYTES);
            Optional<Negotiated> negotiated = Optional.empty();
            try {
                negotiated = new Negotiation(in, new OptionReplies(channel), server.catalog(), peer).run();
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
                try {
                    transmit(in, negotiated.get());
                } finally {
                    negotiated.get().session().close();
                }
            }
        } finally {
            close();
            server.onClosed(this);
        }
    }

    private void transmit(WireReader in, Negotiated n) {
        ReplyWriter writer = new ReplyWriter(channel, n.structuredReplies(), server.buffers(), inFlight, this::close);
        Thread writerThread = Thread.ofVirtual().name("nbd-writer-" + peer).start(writer);
        boolean graceful = false;
        try {
            graceful = new Transmission(peer, n, in, writer, server, inFlight, payloadWatch).run();
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
