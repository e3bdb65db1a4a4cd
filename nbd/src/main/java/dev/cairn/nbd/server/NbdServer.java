package dev.cairn.nbd.server;

import dev.cairn.nbd.tls.ServerTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
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
import java.util.concurrent.atomic.AtomicLong;
import jdk.net.ExtendedSocketOptions;
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
 *
 * <p>It listens on TCP or on a Unix domain socket file ({@link Listen}); the file is made owner-only
 * (or owner and group) without a window, and removed on close ({@link UnixSocketFile}).
 */
public final class NbdServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NbdServer.class);
    /** How long a shutdown waits for clients to receive the replies to requests in flight. */
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);

    private static final int BACKLOG = 256;

    private final ServerConfig config;
    private final ExportCatalog catalog;
    private final ServerSocketChannel listener;
    /** Where clients connect: the bound TCP address (its port chosen), or the socket file's path. */
    private final SocketAddress address;
    /** The socket file, when listening on one: it outlives the channel unless removed. */
    private final Optional<UnixSocketFile> socketFile;
    /** Numbers Unix socket clients, which have no address of their own, for the logs. */
    private final AtomicLong localClients = new AtomicLong();

    private final BufferPool buffers;
    private final ServerStats stats = new ServerStats();
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timers;
    private final Thread acceptor;
    private final ScheduledFuture<?> stallSweep;
    private volatile boolean closed;

    private NbdServer(ServerConfig config, ExportCatalog catalog, Bound bound) {
        this.config = config;
        this.catalog = catalog;
        this.listener = bound.channel();
        this.address = bound.address();
        this.socketFile = bound.file();
        this.buffers = new BufferPool(config.bufferBudgetBytes());
        this.timers = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("nbd-timers").daemon().factory());
        this.acceptor =
                Thread.ofPlatform().name("nbd-accept-" + address).daemon().unstarted(this::acceptLoop);
        long sweepMillis = Math.clamp(config.payloadTimeout().toMillis() / 4, 10, 5000);
        this.stallSweep =
                timers.scheduleWithFixedDelay(this::cutStalledClients, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
    }

    /** Binds the listen address and starts accepting clients. */
    public static NbdServer start(ServerConfig config, ExportCatalog catalog) throws IOException {
        Bound bound = bind(config.listen());
        NbdServer server;
        try {
            server = new NbdServer(config, catalog, bound);
        } catch (RuntimeException e) {
            bound.close();
            throw e;
        }
        server.acceptor.start();
        log.info(
                "NBD server listening on {}{}",
                server.address(),
                config.tls().map(t -> ", TLS required: " + t.describe()).orElse(""));
        return server;
    }

    /** A listening channel, where clients reach it, and its socket file if it has one. */
    private record Bound(ServerSocketChannel channel, SocketAddress address, Optional<UnixSocketFile> file) {
        void close() {
            file.ifPresentOrElse(UnixSocketFile::close, () -> closeQuietly(channel));
        }
    }

    private static Bound bind(Listen listen) throws IOException {
        try {
            return switch (listen) {
                case Listen.Tcp tcp -> {
                    ServerSocketChannel channel = ServerSocketChannel.open();
                    try {
                        channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                        channel.bind(tcp.address(), BACKLOG);
                        yield new Bound(channel, channel.getLocalAddress(), Optional.empty());
                    } catch (IOException e) {
                        channel.close();
                        throw e;
                    }
                }
                case Listen.Unix unix -> {
                    UnixSocketFile file = UnixSocketFile.bind(unix, BACKLOG);
                    yield new Bound(file.channel(), unix.socketAddress(), Optional.of(file));
                }
            };
        } catch (IOException e) {
            throw new IOException("cannot listen for NBD on " + listen.socketAddress() + ": " + e.getMessage(), e);
        }
    }

    /** Where clients connect: an {@link InetSocketAddress} or a {@link UnixDomainSocketAddress}. */
    public SocketAddress address() {
        return address;
    }

    /** The TCP address the server listens on (its port chosen when it was 0); only for TCP. */
    public InetSocketAddress tcpAddress() {
        if (address instanceof InetSocketAddress inet) {
            return inet;
        }
        throw new IllegalStateException("this NBD server listens on a Unix socket, " + address + ", not on TCP");
    }

    public int port() {
        return tcpAddress().getPort();
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
            peer = peerOf(channel);
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
     * A TCP client by its address; a Unix socket client, which has none, by its user and a number
     * (so the logs say who reached the socket).
     */
    private String peerOf(SocketChannel channel) throws IOException {
        if (channel.getRemoteAddress() instanceof UnixDomainSocketAddress) {
            return "local:"
                    + channel.getOption(ExtendedSocketOptions.SO_PEERCRED)
                            .user()
                            .getName() + "#" + localClients.incrementAndGet();
        }
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        return String.valueOf(channel.getRemoteAddress());
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
        socketFile.ifPresentOrElse(UnixSocketFile::close, () -> closeQuietly(listener));
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
        log.info("NBD server on {} stopped", address);
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            log.debug("close failed: {}", e.toString());
        }
    }
}
