package dev.cairn.cli;

import dev.cairn.agent.Agent;
import dev.cairn.agent.AgentConfig;
import dev.cairn.agent.replica.VolumeSettings;
import dev.cairn.control.api.ControlClient;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
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
                + "id, replicating its writes to every leg.")
final class AgentCommand implements Callable<Integer> {

    @Option(
            names = "--host",
            paramLabel = "NAME",
            description = "The host name volumes are attached to (default: this machine's name).")
    Optional<String> host = Optional.empty();

    @Option(
            names = "--nbd",
            paramLabel = "HOST:PORT",
            defaultValue = "127.0.0.1:10810",
            description = "Where volumes are served over NBD (default ${DEFAULT-VALUE}; port 0 picks one).")
    String nbd;

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
                NodeCommand.address(nbd, "--nbd"),
                NodeCommand.address(metrics, "--metrics"),
                ControlClient.urls(controller),
                Optional.of(token),
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
                "cairn agent for host %s: volumes served over NBD%s on %s:%d (export name = volume id), metrics on %s%n",
                config.host(),
                config.tls()
                        .serving()
                        .map(t -> " (TLS required: " + t.describe() + ")")
                        .orElse(""),
                agent.nbdAddress().getHostString(),
                agent.nbdAddress().getPort(),
                agent.metricsUrl());
        System.out.flush();
        stopped.await();
        return 0;
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
