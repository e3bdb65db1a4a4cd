package dev.cairn.nbd.server;

import dev.cairn.nbd.tls.ServerTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An NBD server (fixed newstyle, structured replies, base:allocation) serving whatever an
 * {@link ExportCatalog} offers.
 *
 * <p>Threads: one acceptor; per connection a reader and a writer, both virtual threads; request
 * execution on each export's own executor. A handshake that is not finished within the configured
 * timeout is cut off, and at the connection limit a new client takes the place of the oldest one
 * still handshaking. Lifecycle: {@link #start} binds and accepts, {@link #close} stops accepting,
 * lets every client in transmission receive the replies to the requests it already sent, then
 * disconnects it.
 */
public final class NbdServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NbdServer.class);
    /** How long a shutdown waits for clients to receive the replies to requests in flight. */
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);

    private final ServerConfig config;
    private final ExportCatalog catalog;
    private final ServerSocketChannel listener;
    private final BufferPool buffers;
    private final ServerStats stats = new ServerStats();
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timers;
    private final Thread acceptor;
    private final ScheduledFuture<?> stallSweep;
    private volatile boolean closed;

    private NbdServer(ServerConfig config, ExportCatalog catalog, ServerSocketChannel listener) {
        this.config = config;
        this.catalog = catalog;
        this.listener = listener;
        this.buffers = new BufferPool(config.bufferBudgetBytes());
        this.timers = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("nbd-timers").daemon().factory());
        this.acceptor =
                Thread.ofPlatform().name("nbd-accept-" + port()).daemon().unstarted(this::acceptLoop);
        long sweepMillis = Math.clamp(config.payloadTimeout().toMillis() / 4, 10, 5000);
        this.stallSweep =
                timers.scheduleWithFixedDelay(this::cutStalledClients, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
    }

    /** Binds the listen address and starts accepting clients. */
    public static NbdServer start(ServerConfig config, ExportCatalog catalog) throws IOException {
        ServerSocketChannel listener = ServerSocketChannel.open();
        try {
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            listener.bind(config.listen(), 256);
        } catch (IOException e) {
            listener.close();
            throw new IOException("cannot listen for NBD on " + config.listen() + ": " + e.getMessage(), e);
        }
        NbdServer server = new NbdServer(config, catalog, listener);
        server.acceptor.start();
        log.info(
                "NBD server listening on {}{}",
                server.address(),
                config.tls().map(t -> ", TLS required: " + t.describe()).orElse(""));
        return server;
    }

    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) listener.getLocalAddress();
        } catch (IOException e) {
            return config.listen();
        }
    }

    public int port() {
        return address().getPort();
    }

    public ServerStats stats() {
        return stats;
    }

    ExportCatalog catalog() {
        return catalog;
    }

    BufferPool buffers() {
        return buffers;
    }

    /** The credentials every client must upgrade to TLS with, if TLS is required. */
    Optional<ServerTls> tls() {
        return config.tls();
    }

    /**
     * Buffer memory handed out right now: the shared budget's ({@link #sharedBufferBytesInUse}) and
     * what connections hold on their own bounds (input buffers, reply scratch, READ data).
     */
    public long bufferBytesInUse() {
        return buffers.inUseBytes();
    }

    /** Write data received and handed to the export, at most the configured budget. */
    public long sharedBufferBytesInUse() {
        return buffers.sharedBytesInUse();
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                log.warn("accept failed: {}", e.toString());
                continue;
            }
            onAccept(channel);
        }
    }

    private void onAccept(SocketChannel channel) {
        String peer;
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            peer = String.valueOf(channel.getRemoteAddress());
        } catch (IOException e) {
            closeQuietly(channel);
            return;
        }
        if (connections.size() >= config.maxConnections() && !evictOldestHandshake()) {
            stats.onRefused();
            log.warn("refusing {}: already serving {} connections", peer, connections.size());
            closeQuietly(channel);
            return;
        }
        Connection c = new Connection(this, channel, peer, config.maxInFlightPerConnection(), System.nanoTime());
        connections.add(c);
        stats.onAccepted();
        c.setHandshakeTimer(timers.schedule(
                () -> {
                    if (!c.transmitting()) {
                        log.warn(
                                "{}: handshake not finished within {}; disconnecting", peer, config.handshakeTimeout());
                        c.close();
                    }
                },
                config.handshakeTimeout().toMillis(),
                TimeUnit.MILLISECONDS));
        Thread.ofVirtual().name("nbd-conn-" + peer).start(c);
    }

    /**
     * At the connection limit, makes room by cutting the connection that has been handshaking the
     * longest: a client that connects and says nothing must not keep others out. Only the acceptor
     * calls this, so the count it frees cannot be taken by another acceptor in between.
     */
    private boolean evictOldestHandshake() {
        Connection oldest = null;
        for (Connection c : connections) {
            if (!c.transmitting() && (oldest == null || c.acceptedNanos() - oldest.acceptedNanos() < 0)) {
                oldest = c;
            }
        }
        if (oldest == null) {
            return false;
        }
        log.warn("{}: still handshaking at the connection limit; disconnecting it for a new client", oldest.peer());
        stats.onEvicted();
        oldest.close();
        onClosed(oldest);
        return true;
    }

    /**
     * Disconnects clients that left the server waiting past the timeout: a request header or
     * payload begun and not finished, or replies they do not read.
     */
    private void cutStalledClients() {
        long now = System.nanoTime();
        long timeout = config.payloadTimeout().toNanos();
        for (Connection c : connections) {
            if (c.stalled(now, timeout)) {
                log.warn(
                        "{}: a request or reply made no progress within {}; disconnecting",
                        c.peer(),
                        config.payloadTimeout());
                stats.onStalledCut();
                c.close();
            }
        }
    }

    void onTransmission(Connection c) {
        log.debug("{}: serving export {}", c.peer(), c.exportName().orElse("?"));
    }

    void onClosed(Connection c) {
        if (connections.remove(c)) {
            stats.onClosed();
        }
        synchronized (connections) {
            connections.notifyAll();
        }
    }

    private void awaitConnectionsGone(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        synchronized (connections) {
            while (!connections.isEmpty()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    log.warn("{} connection(s) still busy after {}; disconnecting them", connections.size(), grace);
                    return;
                }
                try {
                    connections.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Hard-disconnects every client of an export (by canonical name), e.g. before the export is
     * deleted or its access changes. Returns how many were cut.
     */
    public int disconnectExport(String name) {
        List<Connection> cut = connections.stream()
                .filter(c -> c.exportName().map(name::equals).orElse(false))
                .toList();
        cut.forEach(Connection::close);
        return cut.size();
    }

    boolean isClosing() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        connections.forEach(Connection::shutdown);
        awaitConnectionsGone(SHUTDOWN_GRACE);
        connections.forEach(Connection::close);
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stallSweep.cancel(false);
        timers.shutdownNow();
        log.info("NBD server on {} stopped", config.listen());
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            log.debug("close failed: {}", e.toString());
        }
    }
}
