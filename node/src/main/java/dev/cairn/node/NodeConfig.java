package dev.cairn.node;

import dev.cairn.nbd.tls.NbdTls;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Everything a storage node starts with.
 *
 * @param nodeId the node's id; empty to take it from the drives (or make one for a new node)
 * @param labels topology labels (zone=a, rack=r1); {@code host} is added when absent
 * @param nbdListen where extents are served over NBD (port 0: any free port)
 * @param adminListen the admin HTTP API (port 0: any free port)
 * @param dataDir where the node keeps what is its own (its admin token, {@code DATA/admin.token},
 *     made on first start unless {@code adminTokenFile} is given)
 * @param adminTokenFile a file holding the bearer token the admin API requires; without it, the
 *     token the node made in {@code dataDir}. One of the two is required: the admin API can set an
 *     extent's generation and secret, so it never runs without a token
 * @param ioThreads threads that run block I/O that may block (cache misses, syncs, large writes)
 * @param readyFile where to write the actual addresses once serving, for scripts and harnesses
 * @param controller the controller this node registers with and takes its extents from; empty for
 *     a node used on its own
 * @param tls TLS for NBD: what the node's exports require of clients, and what the node uses to
 *     reach other nodes' extents (the copies it makes of a detached volume's legs)
 */
public record NodeConfig(
        Optional<UUID> nodeId,
        List<DriveSpec> drives,
        Map<String, String> labels,
        InetSocketAddress nbdListen,
        InetSocketAddress adminListen,
        Optional<Path> dataDir,
        Optional<Path> adminTokenFile,
        int ioThreads,
        Optional<Path> readyFile,
        Optional<ControllerLink.Settings> controller,
        NbdTls tls) {

    public NodeConfig {
        if (drives.isEmpty()) {
            throw new IllegalArgumentException("a node needs at least one drive");
        }
        if (ioThreads < 1) {
            throw new IllegalArgumentException("io threads must be at least 1");
        }
        if (dataDir.isEmpty() && adminTokenFile.isEmpty()) {
            throw new IllegalArgumentException("a node's admin API needs a token: give --data DIR (the node makes"
                    + " DIR/admin.token on first start) or --admin-token-file FILE");
        }
        drives = List.copyOf(drives);
        labels = Map.copyOf(labels);
    }

    /** The admin token's file: the one given, else {@code DATA/admin.token}. */
    public Path adminTokenPath() {
        return adminTokenFile.orElseGet(() -> dataDir.orElseThrow().resolve("admin.token"));
    }
}
