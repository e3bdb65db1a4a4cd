package dev.cairn.testkit;

import dev.cairn.local.DaemonArgs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A client agent process ({@code bin/cairn agent}) on loopback with free NBD and metrics ports
 * (never the default 8420: agents of parallel tests would fight over it), started and waited for
 * through its ready file.
 */
public final class AgentProcess implements AutoCloseable {
    private final CairnProcess process;
    private final String host;
    private final InetSocketAddress nbd;
    private final String metricsUrl;

    private AgentProcess(CairnProcess process, String host, InetSocketAddress nbd, String metricsUrl) {
        this.process = process;
        this.host = host;
        this.nbd = nbd;
        this.metricsUrl = metricsUrl;
    }

    /**
     * Starts an agent registered as {@code host} with the controller at {@code controllerUrls}
     * (comma-separated), using the node token in {@code tokenFile}; extra arguments as given.
     */
    public static AgentProcess start(Path dir, String host, String controllerUrls, Path tokenFile, List<String> extra)
            throws IOException {
        return start(dir, host, controllerUrls, tokenFile, extra, Map.of());
    }

    /** As above, with {@code env} added to the agent's environment. */
    public static AgentProcess start(
            Path dir, String host, String controllerUrls, Path tokenFile, List<String> extra, Map<String, String> env)
            throws IOException {
        Files.createDirectories(dir);
        Path ready = dir.resolve("ready.json");
        List<String> args = DaemonArgs.agent(host, "127.0.0.1:0", "127.0.0.1:0", ready);
        args.addAll(DaemonArgs.controllerLink(controllerUrls, tokenFile));
        args.addAll(extra);
        CairnProcess.Ready r = CairnProcess.startDaemon(dir.resolve("agent.log"), args, ready, env);
        String[] hostPort = r.info().get("nbd").asText().split(":", 2);
        return new AgentProcess(
                r.process(),
                host,
                new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])),
                r.info().get("metrics").asText());
    }

    public CairnProcess process() {
        return process;
    }

    public String host() {
        return host;
    }

    public InetSocketAddress nbd() {
        return nbd;
    }

    /** Where the agent serves {@code /metrics} (from its ready file). */
    public String metricsUrl() {
        return metricsUrl;
    }

    /** The NBD URI of a volume served by this agent. */
    public String uri(String volumeId) {
        return "nbd://" + nbd.getHostString() + ":" + nbd.getPort() + "/" + volumeId;
    }

    @Override
    public void close() {
        process.close();
    }
}
