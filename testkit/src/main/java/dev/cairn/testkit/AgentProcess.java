package dev.cairn.testkit;

import dev.cairn.control.api.ReadyFile;
import dev.cairn.local.DaemonArgs;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A client agent process ({@code bin/cairn agent}) serving its volumes on a Unix socket in its
 * directory, as every agent does by default ({@code DIR/run/nbd.sock}, owner-only), with a free
 * metrics port on loopback (never the default 8420: agents of parallel tests would fight over it),
 * started and waited for through its ready file.
 */
public final class AgentProcess implements AutoCloseable {
    private final CairnProcess process;
    private final String host;
    private final Path socket;
    private final String metricsUrl;

    private AgentProcess(CairnProcess process, String host, Path socket, String metricsUrl) {
        this.process = process;
        this.host = host;
        this.socket = socket;
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
        Path socket = dir.resolve("run/nbd.sock").toAbsolutePath().normalize();
        List<String> args = DaemonArgs.agent(host, socket, "127.0.0.1:0", ready);
        args.addAll(DaemonArgs.controllerLink(controllerUrls, tokenFile));
        args.addAll(extra);
        CairnProcess.Ready<ReadyFile.Agent> r =
                CairnProcess.startDaemon(dir.resolve("agent.log"), args, ready, env, ReadyFile.Agent.class);
        String reported = r.info().nbd();
        if (!reported.equals(socket.toString())) {
            r.process().kill();
            throw new IllegalStateException("the agent reports NBD at " + reported + ", not at its socket " + socket);
        }
        return new AgentProcess(r.process(), host, socket, r.info().metrics());
    }

    public CairnProcess process() {
        return process;
    }

    public String host() {
        return host;
    }

    /** The Unix socket the agent serves its volumes on. */
    public Path socket() {
        return socket;
    }

    /** Where the agent serves its volumes, for {@code NbdClient}. */
    public SocketAddress nbd() {
        return UnixDomainSocketAddress.of(socket);
    }

    /** Where the agent serves {@code /metrics} (from its ready file). */
    public String metricsUrl() {
        return metricsUrl;
    }

    /**
     * The NBD URI of a volume served by this agent, as qemu, libnbd and fio read it (test
     * directories need no escaping; the agent's own URIs are built by {@code NbdAddress.uri}).
     */
    public String uri(String volumeId) {
        return "nbd+unix:///" + volumeId + "?socket=" + socket;
    }

    @Override
    public void close() {
        process.close();
    }
}
