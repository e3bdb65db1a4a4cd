package dev.cairn.node;

import dev.cairn.control.api.Label;
import dev.cairn.control.api.ReadyFile;
import dev.cairn.control.api.TokenFile;
import dev.cairn.drive.ExtentAccess;
import dev.cairn.metrics.DaemonMetrics;
import dev.cairn.nbd.server.NbdServer;
import dev.cairn.nbd.server.ServerConfig;
import dev.cairn.nbd.tls.ClientTls;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage node daemon: its drives, every extent served over NBD, and the admin API.
 *
 * <p>Threads: the NBD server's per-connection threads; a fixed pool of platform threads for block
 * I/O that may block; Jetty's threads for the admin API; with a controller, two virtual threads
 * for heartbeats and reconciliation. Start order is drives, NBD, admin API, controller link (the
 * API only answers once everything it describes is up); {@link #close} goes the other way and
 * syncs the drives last. The admin API also serves the node's meters ({@link NodeMetrics}) at
 * {@code /metrics}.
 */
public final class StorageNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StorageNode.class);

    private final DriveSet drives;
    private final ExtentService extents;
    private final KvGate kvGate;
    private final Map<String, String> labels;
    private final ExecutorService io;
    private final DaemonMetrics metrics;
    private final NodeMetrics nodeMetrics;
    private final NbdServer nbd;
    /** What this node uses to reach other nodes' extents over NBD. */
    private final Optional<ClientTls> legTls;

    private AdminApi admin;
    private ControllerLink controller;

    private StorageNode(DriveSet drives, Map<String, String> labels, NodeConfig config, DaemonMetrics metrics)
            throws IOException {
        this.drives = drives;
        this.labels = labels;
        this.legTls = config.tls().connecting();
        this.metrics = metrics;
        this.extents = new ExtentService(drives.drives());
        this.kvGate = config.controller().isPresent() ? KvGate.leased(System::nanoTime) : KvGate.open();
        this.nodeMetrics = NodeMetrics.register(metrics.registry(), extents);
        this.io = Executors.newFixedThreadPool(
                config.ioThreads(),
                Thread.ofPlatform().name("cairn-io-", 0).daemon().factory());
        try {
            ServerConfig nbdConfig = ServerConfig.defaults(config.nbdListen());
            if (config.tls().serving().isPresent()) {
                nbdConfig = nbdConfig.withTls(config.tls().serving().get());
            }
            this.nbd = NbdServer.start(
                    nbdConfig,
                    new ExtentExports(extents, io, nodeMetrics.nbdRequests(), kvGate, nodeMetrics.kvSlots()));
        } catch (IOException | RuntimeException e) {
            io.shutdown();
            throw e;
        }
        nodeMetrics.watchServer(nbd);
        extents.onBeforeErase(id -> nbd.disconnectExport(id.toString()));
    }

    public static StorageNode start(NodeConfig config, InstantSource clock) throws IOException {
        Map<String, String> labels = labels(config.labels());
        String adminToken = adminToken(config);
        DriveSet drives = DriveSet.open(config.drives(), config.nodeId(), clock);
        StorageNode node;
        DaemonMetrics metrics = DaemonMetrics.create();
        try {
            node = new StorageNode(drives, labels, config, metrics);
        } catch (IOException | RuntimeException e) {
            metrics.close();
            drives.close();
            throw e;
        }
        try {
            node.admin = AdminApi.start(node, config.adminListen(), adminToken);
            if (config.controller().isPresent()) {
                node.controller = ControllerLink.start(node, config.controller().get());
            }
            if (config.readyFile().isPresent()) {
                node.writeReadyFile(config.readyFile().get(), config.adminTokenPath());
            }
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
        log.info(
                "node {} ready: {} drive(s), {} extent(s); NBD on {}, admin API on {}, metrics on {}",
                node.nodeId(),
                drives.drives().size(),
                node.extents.usage().extentCount(),
                node.nbdAddress().getHostString() + ":" + node.nbdAddress().getPort(),
                node.adminUrl(),
                node.metricsUrl());
        return node;
    }

    /**
     * The admin API's token, read before anything starts so that a bad token file leaves nothing
     * half-started: the file given, else {@code DATA/admin.token}, made on the first start.
     */
    private static String adminToken(NodeConfig config) throws IOException {
        Path file = config.adminTokenPath();
        if (config.adminTokenFile().isEmpty() && TokenFile.createIfMissing(file)) {
            log.info("made a new admin token in {} (mode 0600)", file);
        }
        return TokenFile.read(file, "the admin token");
    }

    /** Validated labels, with the implicit {@code host} label added. */
    static Map<String, String> labels(Map<String, String> given) {
        Map<String, String> labels = new LinkedHashMap<>();
        given.forEach((k, v) -> {
            Label label = new Label(k, v); // refuses a bad key or value, in the controller's words
            labels.put(label.key(), label.value());
        });
        labels.putIfAbsent("host", hostName());
        return Map.copyOf(labels);
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private void writeReadyFile(Path file, Path adminTokenFile) throws IOException {
        new ReadyFile.Node(
                        nodeId(),
                        nbdAddress().getHostString() + ":" + nbdAddress().getPort(),
                        adminUrl(),
                        adminTokenFile.toAbsolutePath().toString(),
                        metricsUrl())
                .write(file);
    }

    public UUID nodeId() {
        return drives.nodeId();
    }

    public Map<String, String> labels() {
        return labels;
    }

    public ExtentService extents() {
        return extents;
    }

    public InetSocketAddress nbdAddress() {
        return nbd.tcpAddress();
    }

    public InetSocketAddress adminAddress() {
        return new InetSocketAddress(nbd.tcpAddress().getAddress(), admin.port());
    }

    /** {@code http://HOST:PORT} of the admin API. */
    public String adminUrl() {
        return "http://" + adminAddress().getHostString() + ":" + adminAddress().getPort();
    }

    /** Where Prometheus scrapes the node: {@code /metrics} on the admin API, without a token. */
    public String metricsUrl() {
        return adminUrl() + "/metrics";
    }

    /** The node's meters, the JVM's included, in the Prometheus text format. */
    String scrapeMetrics() {
        return metrics.scrape();
    }

    /** The threads that run block I/O that may block. */
    Executor ioExecutor() {
        return io;
    }

    /** The TLS this node uses as a client of other nodes' exports, if any. */
    Optional<ClientTls> legTls() {
        return legTls;
    }

    public NbdServer nbdServer() {
        return nbd;
    }

    Path drivePath(UUID driveId) {
        return drives.path(driveId);
    }

    /**
     * Changes an extent's access rule. Clients that opened it with the old rule are fenced on their
     * next request; if the secret changed they are also disconnected at once.
     */
    public void setAccess(UUID extentId, ExtentAccess access) throws IOException {
        ExtentAccess before = extents.extent(extentId).map(e -> e.access()).orElse(access);
        extents.setAccess(extentId, access);
        if (!before.secret().equals(access.secret())) {
            nbd.disconnectExport(extentId.toString());
        }
        log.info(
                "extent {}: access now generation {}{}",
                extentId,
                access.generation(),
                access.requiresSecret() ? " with a secret" : ", open");
    }

    /** When this node may serve its KV volumes. */
    KvGate kvGate() {
        return kvGate;
    }

    /** The link to the controller, when the node has one. */
    public Optional<ControllerLink> controller() {
        return Optional.ofNullable(controller);
    }

    @Override
    public void close() {
        String served = "NBD on " + nbdAddress().getHostString() + ":"
                + nbdAddress().getPort() + (admin == null ? "" : ", the admin API on " + adminUrl());
        if (controller != null) {
            controller.close();
        }
        if (admin != null) {
            admin.close();
        }
        nbd.close();
        io.shutdown();
        try {
            if (!io.awaitTermination(30, TimeUnit.SECONDS)) {
                log.warn("block I/O still running after 30 s; closing the drives anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        nodeMetrics.close();
        metrics.close();
        try {
            drives.close();
        } catch (IOException e) {
            log.error("closing drives failed", e);
        }
        log.info("node {} stopped (it served {})", nodeId(), served);
    }
}
