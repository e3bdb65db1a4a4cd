package dev.cairn.testkit;

import dev.cairn.control.api.ReadyFile;
import dev.cairn.local.DaemonArgs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A storage node process ({@code bin/cairn node}) on loopback with free ports, started and waited
 * for through its ready file.
 */
public final class NodeProcess implements AutoCloseable {
    private final CairnProcess process;
    private final String nodeId;
    private final InetSocketAddress nbd;
    private final String adminUrl;
    private final String metricsUrl;
    private final Path adminTokenFile;
    private final AdminHttp admin;

    private NodeProcess(CairnProcess process, ReadyFile.Node ready) {
        this.process = process;
        this.nodeId = ready.nodeId().toString();
        String[] hostPort = ready.nbd().split(":", 2);
        this.nbd = new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));
        this.adminUrl = ready.admin();
        this.metricsUrl = ready.metrics();
        this.adminTokenFile = Path.of(ready.adminTokenFile());
        try {
            this.admin = new AdminHttp(
                    adminUrl,
                    Optional.of(Files.readString(adminTokenFile, StandardCharsets.UTF_8)
                            .strip()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the node's admin token " + adminTokenFile, e);
        }
    }

    /**
     * Starts a node whose state lives under {@code dir}: drive arguments as given (e.g.
     * {@code dir/d0.img,size=1GiB}), labels as KEY=VALUE.
     */
    public static NodeProcess start(Path dir, List<String> drives, List<String> labels) throws IOException {
        return start(dir, drives, labels, List.of());
    }

    /** As above, with extra arguments (e.g. {@code --controller URL --controller-token-file FILE}). */
    public static NodeProcess start(Path dir, List<String> drives, List<String> labels, List<String> extra)
            throws IOException {
        return start(dir, drives, labels, extra, Map.of());
    }

    /** As above, with {@code env} added to the node's environment. */
    public static NodeProcess start(
            Path dir, List<String> drives, List<String> labels, List<String> extra, Map<String, String> env)
            throws IOException {
        Files.createDirectories(dir);
        Path ready = dir.resolve("ready.json");
        List<String> args = DaemonArgs.node(drives, Map.of(), "127.0.0.1:0", "127.0.0.1:0", dir.resolve("data"), ready);
        labels.forEach(l -> args.addAll(List.of("--label", l)));
        args.addAll(extra);
        CairnProcess.Ready<ReadyFile.Node> r =
                CairnProcess.startDaemon(dir.resolve("node.log"), args, ready, env, ReadyFile.Node.class);
        return new NodeProcess(r.process(), r.info());
    }

    public CairnProcess process() {
        return process;
    }

    public String nodeId() {
        return nodeId;
    }

    public InetSocketAddress nbd() {
        return nbd;
    }

    /** An NBD URI for an export of this node. */
    public String uri(String export) {
        return "nbd://" + nbd.getHostString() + ":" + nbd.getPort() + "/" + export;
    }

    /** A client of the node's admin API with its admin token. */
    public AdminHttp admin() {
        return admin;
    }

    /** The file holding the node's admin token (named by its ready file). */
    public Path adminTokenFile() {
        return adminTokenFile;
    }

    public String adminUrl() {
        return adminUrl;
    }

    /** Where the node serves {@code /metrics} (from its ready file). */
    public String metricsUrl() {
        return metricsUrl;
    }

    @Override
    public void close() {
        process.close();
    }
}
