package dev.cairn.cli;

import dev.cairn.agent.Agent;
import dev.cairn.agent.AgentConfig;
import dev.cairn.agent.replica.VolumeSettings;
import dev.cairn.control.api.ControlClient;
import dev.cairn.nbd.server.Listen;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cairn agent}: runs a client agent until it is stopped (SIGINT or SIGTERM). */
@Command(
        name = "agent",
        mixinStandardHelpOptions = true,
        description = "Runs a client agent: registers this host with the controller, and serves every volume "
                + "attached to it (cairn volume attach VOLUME --host HOST) as a local NBD export named by the volume "
                + "id, replicating its writes to every leg. The exports are on a Unix socket that only the agent's "
                + "user (and --nbd-group) can connect to: nbd+unix:///VOLUME-ID?socket=PATH.")
final class AgentCommand implements Callable<Integer> {

    @Option(
            names = "--host",
            paramLabel = "NAME",
            description = "The host name volumes are attached to (default: this machine's name).")
    Optional<String> host = Optional.empty();

    @Option(
            names = "--nbd-socket",
            paramLabel = "PATH",
            description = "The Unix socket the volumes are served on, mode 0600 (default: /run/cairn/agent/nbd.sock for"
                    + " root, else $XDG_RUNTIME_DIR/cairn/agent/nbd.sock). A directory it makes is 0700.")
    Optional<Path> nbdSocket = Optional.empty();

    @Option(
            names = "--nbd-group",
            paramLabel = "GROUP",
            description = "Let this group's members use the volumes too: the socket is then 0660 and the group's"
                    + " (as is a directory the agent makes for it, 0750).")
    Optional<String> nbdGroup = Optional.empty();

    @Option(
            names = "--nbd-listen",
            paramLabel = "HOST:PORT",
            description = "Serve the volumes over TCP instead, which needs TLS: refused until the agent's NBD has"
                    + " TLS options.")
    Optional<String> nbdListen = Optional.empty();

    /** The TCP address option of old; kept only to say what replaced it. */
    @Option(names = "--nbd", hidden = true, paramLabel = "HOST:PORT")
    Optional<String> removedNbd = Optional.empty();

    @Option(
            names = "--metrics",
            paramLabel = "HOST:PORT",
            defaultValue = "127.0.0.1:8420",
            description = "Where Prometheus scrapes the agent: GET /metrics, no token (default ${DEFAULT-VALUE}; "
                    + "port 0 picks one).")
    String metrics;

    @Option(
            names = "--controller",
            required = true,
            paramLabel = "URL[,URL...]",
            description = "The controller's REST API (every peer, comma-separated).")
    String controller;

    @Option(
            names = "--controller-token-file",
            required = true,
            paramLabel = "FILE",
            description = "A file holding the controller's node token (its DATA/tokens/node.token).")
    Path tokenFile;

    @Option(
            names = "--report-every",
            defaultValue = "5s",
            paramLabel = "DURATION",
            description = "How often to report leg states and resync progress (and at once on a change; "
                    + "default ${DEFAULT-VALUE}).")
    String reportEvery;

    @Option(
            names = "--leg-timeout",
            defaultValue = "5s",
            paramLabel = "DURATION",
            description = "A leg that does not answer a request within this is failed; I/O goes on with the "
                    + "others (default ${DEFAULT-VALUE}).")
    String legTimeout;

    @Option(
            names = "--retry-every",
            defaultValue = "1s",
            paramLabel = "DURATION",
            description = "How often a failed leg is tried again, backing off to 8 times this (default "
                    + "${DEFAULT-VALUE}).")
    String retryEvery;

    @Option(
            names = "--bitmap-sweep-every",
            defaultValue = "5s",
            paramLabel = "DURATION",
            description =
                    "How often clean regions are cleared from the write-intent bitmap (default " + "${DEFAULT-VALUE}).")
    String sweepEvery;

    @Option(
            names = "--sync-workers",
            defaultValue = "" + VolumeSettings.DEFAULT_COPY_WORKERS,
            paramLabel = "N",
            description = "Regions one resync copies at once, 1 to " + VolumeSettings.MAX_COPY_WORKERS
                    + " (default ${DEFAULT-VALUE}). The controller caps what all resyncs copy together.")
    int syncWorkers;

    @Option(
            names = "--ready-file",
            paramLabel = "FILE",
            description = "Once serving, write the host name, NBD address and metrics URL here as JSON.")
    Optional<Path> readyFile = Optional.empty();

    @Mixin
    NbdTlsOptions tls = new NbdTlsOptions();

    @Mixin
    ControllerCaOption controllerCa = new ControllerCaOption();

    @Override
    public Integer call() throws Exception {
        String token;
        try {
            token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IOException("cannot read the token file " + tokenFile + ": " + e.getMessage(), e);
        }
        AgentConfig config = new AgentConfig(
                host.orElseGet(AgentCommand::machineName),
                listen(),
                ListenAddress.parse(metrics, "--metrics"),
                ControlClient.urls(controller),
                Optional.of(token),
                controllerCa.load(),
                Durations.parse(reportEvery, "--report-every"),
                Duration.ofSeconds(20),
                new VolumeSettings(
                        Durations.parse(legTimeout, "--leg-timeout"),
                        Durations.parse(retryEvery, "--retry-every"),
                        Durations.parse(sweepEvery, "--bitmap-sweep-every"),
                        syncWorkers(),
                        InstantSource.system()),
                readyFile,
                tls.load());
        Agent agent = Agent.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            agent.close();
                            stopped.countDown();
                        },
                        "cairn-shutdown"));
        System.out.printf(
                "cairn agent for host %s: volumes served over NBD at %s (export name = volume id; %s), metrics on"
                        + " %s%n",
                config.host(),
                agent.uri("VOLUME-ID"),
                config.tls()
                        .serving()
                        .map(t -> "TLS required: " + t.describe())
                        .orElse(nbdGroup.map(g -> "its user and group " + g + " may connect")
                                .orElse("only its user may connect")),
                agent.metricsUrl());
        System.out.flush();
        stopped.await();
        return 0;
    }

    /** Where the volumes are served: the Unix socket, unless TCP is asked for (which the config refuses). */
    private Listen listen() {
        if (removedNbd.isPresent()) {
            throw new IllegalArgumentException("--nbd " + removedNbd.get() + ": the agent no longer serves volumes on"
                    + " plain TCP, which anyone who reaches the port could use; it serves them on a Unix socket"
                    + " (--nbd-socket PATH, --nbd-group GROUP), or over TCP with TLS (--nbd-listen HOST:PORT)");
        }
        if (nbdListen.isPresent()) {
            if (nbdSocket.isPresent() || nbdGroup.isPresent()) {
                throw new IllegalArgumentException(
                        "--nbd-listen serves over TCP instead of the Unix socket: give it without --nbd-socket and"
                                + " --nbd-group");
            }
            return new Listen.Tcp(ListenAddress.parse(nbdListen.get(), "--nbd-listen"));
        }
        return new Listen.Unix(
                nbdSocket.orElseGet(
                        () -> defaultSocket(System.getenv(), "root".equals(System.getProperty("user.name")))),
                nbdGroup);
    }

    /**
     * The socket when none is given: a system daemon's in /run, anyone else's in their own runtime
     * directory (which only they can enter).
     */
    static Path defaultSocket(Map<String, String> env, boolean root) {
        if (root) {
            return Path.of("/run/cairn/agent/nbd.sock");
        }
        String runtime = env.getOrDefault("XDG_RUNTIME_DIR", "");
        if (runtime.isBlank()) {
            throw new IllegalArgumentException("no place for the NBD socket: /run/cairn is for root and XDG_RUNTIME_DIR"
                    + " is not set; give --nbd-socket PATH");
        }
        return Path.of(runtime, "cairn", "agent", "nbd.sock");
    }

    private int syncWorkers() {
        if (syncWorkers < 1 || syncWorkers > VolumeSettings.MAX_COPY_WORKERS) {
            throw new IllegalArgumentException(
                    "--sync-workers must be 1 to " + VolumeSettings.MAX_COPY_WORKERS + ", got " + syncWorkers);
        }
        return syncWorkers;
    }

    private static String machineName() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            int dot = name.indexOf('.');
            return dot > 0 ? name.substring(0, dot) : name;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot tell this machine's name; give --host", e);
        }
    }
}
