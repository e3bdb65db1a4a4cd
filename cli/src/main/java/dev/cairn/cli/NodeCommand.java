package dev.cairn.cli;

import dev.cairn.control.api.ControlClient;
import dev.cairn.control.api.Sizes;
import dev.cairn.nbd.tls.NbdTls;
import dev.cairn.node.ControllerLink;
import dev.cairn.node.DriveSpec;
import dev.cairn.node.NodeConfig;
import dev.cairn.node.StorageNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cairn node}: runs a storage node until it is stopped (SIGINT or SIGTERM). */
@Command(
        name = "node",
        mixinStandardHelpOptions = true,
        description = "Runs a storage node: pools its drives, serves every extent over NBD (export name = extent"
                + " id) and offers the admin HTTP API. Drives are files (created at the given size) or block devices."
                + " With --controller it registers there and makes the extents the controller wants."
                + " The subcommands ask the controller about nodes.",
        subcommands = {
            NodeAdminCommands.ListNodes.class,
            NodeAdminCommands.Show.class,
            NodeAdminCommands.Label.class,
            NodeDrainCommands.Drain.class,
            NodeDrainCommands.Undrain.class,
            NodeDrainCommands.Remove.class
        })
final class NodeCommand implements Callable<Integer> {

    @Option(
            names = "--drive",
            paramLabel = "PATH[,size=SIZE][,format][,bandwidth=SIZE]",
            description = "A drive. A missing file is created with size=SIZE (e.g. 1GiB). An existing file or "
                    + "device without a Cairn label is formatted only if blank or with ',format'. bandwidth=SIZE:"
                    + " at most that many bytes per second, reads and writes together (files standing in for"
                    + " disks in tests and benchmarks). Repeat for more.")
    List<String> drives = new ArrayList<>();

    @Option(
            names = "--name",
            paramLabel = "NAME",
            description = "What operators call this node (node drain NAME), unique in the cluster: letters, digits,"
                    + " '.', '_', '-'. Default: the name it has, else its 'host' label (the host's name unless --label"
                    + " sets it), with the start of its id when another node has that.")
    Optional<String> name = Optional.empty();

    @Option(
            names = "--label",
            paramLabel = "KEY=VALUE",
            description = "A topology label (zone=a, rack=r1). 'host' is added if absent. Repeatable.")
    List<String> labels = new ArrayList<>();

    @Option(
            names = "--nbd",
            paramLabel = "HOST:PORT",
            defaultValue = "127.0.0.1:10809",
            description = "Where extents are served over NBD (default ${DEFAULT-VALUE}; port 0 picks one).")
    String nbd;

    @Option(
            names = "--nbd-advertise",
            paramLabel = "HOST:PORT",
            description = "The NBD address the controller hands to agents, when it is not the listening one"
                    + " (NAT, a proxy). Default: the listening address.")
    Optional<String> nbdAdvertise = Optional.empty();

    @Option(
            names = "--admin",
            paramLabel = "HOST:PORT",
            defaultValue = "127.0.0.1:8410",
            description = "The admin HTTP API (default ${DEFAULT-VALUE}; port 0 picks one).")
    String admin;

    @Option(names = "--node-id", paramLabel = "UUID", description = "This node's id (default: from its drives).")
    Optional<UUID> nodeId = Optional.empty();

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description = "Where the node keeps what is its own: its admin token (DIR/admin.token, made on first"
                    + " start, mode 0600) unless --admin-token-file is given.")
    Optional<Path> data = Optional.empty();

    @Option(
            names = "--admin-token-file",
            paramLabel = "FILE",
            description = "A file holding the bearer token the admin API requires (default: DATA/admin.token)."
                    + " A node needs this or --data.")
    Optional<Path> tokenFile = Optional.empty();

    @Option(
            names = "--io-threads",
            defaultValue = "16",
            description = "Threads for block I/O that may block (default ${DEFAULT-VALUE}).")
    int ioThreads;

    @Option(
            names = "--extent",
            paramLabel = "NAME=SIZE",
            description = "Serve an extent named NAME of SIZE, creating it on first start (its id, the export name, "
                    + "is derived from NAME). For a node used on its own; a controller manages extents by id. "
                    + "Repeatable.")
    List<String> namedExtents = new ArrayList<>();

    @Option(
            names = "--controller",
            paramLabel = "URL[,URL...]",
            description = "The controller's REST API (every peer, comma-separated): register there, heartbeat, and "
                    + "make the extents it wants.")
    Optional<String> controller = Optional.empty();

    @Option(
            names = "--controller-token-file",
            paramLabel = "FILE",
            description = "A file holding the controller's node token (its DATA/tokens/node.token).")
    Optional<Path> controllerTokenFile = Optional.empty();

    @Option(
            names = "--heartbeat-every",
            defaultValue = "5s",
            paramLabel = "DURATION",
            description = "How often to report to the controller (default ${DEFAULT-VALUE}).")
    String heartbeatEvery;

    @Option(
            names = "--ready-file",
            paramLabel = "FILE",
            description = "Once serving, write the node id, actual addresses and metrics URL here as JSON.")
    Optional<Path> readyFile = Optional.empty();

    @Mixin
    NbdTlsOptions tls = new NbdTlsOptions();

    @Mixin
    ControllerCaOption controllerCa = new ControllerCaOption();

    @Override
    public Integer call() throws Exception {
        if (drives.isEmpty()) {
            throw new IllegalArgumentException("a node needs at least one --drive");
        }
        if (controller.isPresent() && !namedExtents.isEmpty()) {
            throw new IllegalArgumentException(
                    "--extent is for a node used on its own; with --controller the controller decides the extents");
        }
        List<DriveSpec> specs = drives.stream().map(DriveSpec::parse).toList();
        NbdTls nbdTls = tls.load();
        Optional<ControllerLink.Settings> link = Optional.empty();
        if (controller.isEmpty() && controllerCa.ca.isPresent()) {
            throw new IllegalArgumentException(
                    "--controller-ca is for a node linked to a controller (--controller URL)");
        }
        if (controller.isEmpty() && name.isPresent()) {
            throw new IllegalArgumentException(
                    "--name names the node in a cluster: it is for a node linked to a controller (--controller URL)");
        }
        if (controller.isPresent()) {
            if (controllerTokenFile.isEmpty()) {
                throw new IllegalArgumentException("--controller needs --controller-token-file (the node token)");
            }
            link = Optional.of(new ControllerLink.Settings(
                    ControlClient.urls(controller.get()),
                    Optional.of(readToken(controllerTokenFile.get())),
                    Durations.parse(heartbeatEvery, "--heartbeat-every"),
                    Duration.ofSeconds(20),
                    nbdAdvertise.map(a -> {
                        InetSocketAddress parsed = address(a, "--nbd-advertise");
                        return parsed.getHostString() + ":" + parsed.getPort();
                    }),
                    controllerCa.load(),
                    name));
        }
        NodeConfig config = new NodeConfig(
                nodeId,
                specs,
                parseLabels(labels),
                ListenAddress.parse(nbd, "--nbd"),
                ListenAddress.parse(admin, "--admin"),
                data,
                tokenFile,
                ioThreads,
                readyFile,
                link,
                nbdTls);
        List<NamedExtent> named = namedExtents.stream().map(NamedExtent::parse).toList();
        StorageNode node = StorageNode.start(config, InstantSource.system());
        try {
            for (NamedExtent n : named) {
                n.ensure(node);
            }
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            node.close();
                            stopped.countDown();
                        },
                        "cairn-shutdown"));
        printServing(node, config, named);
        System.out.flush();
        stopped.await();
        return 0;
    }

    /** Where the node serves what, for the operator who started it. */
    private void printServing(StorageNode node, NodeConfig config, List<NamedExtent> named) {
        NbdTls nbdTls = config.tls();
        System.out.printf(
                "cairn node %s serving %d extent(s): NBD%s on %s, admin API on %s (token in %s), metrics on %s%n",
                node.nodeId(),
                node.extents().usage().extentCount(),
                nbdTls.serving()
                        .map(t -> " (TLS required: " + t.describe() + ")")
                        .orElse(""),
                node.nbdAddress().getHostString() + ":" + node.nbdAddress().getPort(),
                node.adminUrl(),
                config.adminTokenPath(),
                node.metricsUrl());
        for (NamedExtent n : named) {
            System.out.printf(
                    "  extent '%s' (%s): %s://%s:%d/%s%n",
                    n.name(),
                    Sizes.human(n.sizeBytes()),
                    nbdTls.serving().isPresent() ? "nbds" : "nbd",
                    node.nbdAddress().getHostString(),
                    node.nbdAddress().getPort(),
                    n.id());
        }
        if (controller.isPresent()) {
            System.out.printf("  taking its extents from the controller at %s%n", controller.get());
        }
    }

    private static String readToken(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IOException("cannot read the token file " + file + ": " + e.getMessage(), e);
        }
    }

    static Map<String, String> parseLabels(List<String> labels) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String l : labels) {
            int eq = l.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("label '" + l + "' is not KEY=VALUE");
            }
            if (map.put(l.substring(0, eq), l.substring(eq + 1)) != null) {
                throw new IllegalArgumentException("label '" + l.substring(0, eq) + "' is given twice");
            }
        }
        return map;
    }

    static InetSocketAddress address(String text, String option) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException(option + " '" + text + "' is not HOST:PORT");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " '" + text + "' has no port number");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(option + " port " + port + " is out of range");
        }
        return new InetSocketAddress(text.substring(0, colon), port);
    }
}
