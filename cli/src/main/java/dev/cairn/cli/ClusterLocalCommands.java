package dev.cairn.cli;

import dev.cairn.control.api.ControlClient;
import dev.cairn.control.api.ReadyFile;
import dev.cairn.control.api.Sizes;
import dev.cairn.control.api.Views;
import dev.cairn.control.api.Wait;
import dev.cairn.local.ClusterSpec;
import dev.cairn.local.LocalCluster;
import dev.cairn.nbd.NbdAddress;
import dev.cairn.nbd.client.NbdClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cairn cluster up|down}: a whole cluster on this machine, each daemon its own process on
 * loopback, kept in one directory (see {@link LocalCluster}).
 */
final class ClusterLocalCommands {
    private ClusterLocalCommands() {}

    /** The --dir option every local-cluster command takes. */
    static final class DirOption {
        @Option(
                names = "--dir",
                paramLabel = "DIR",
                description = "The local cluster's directory (default: $CAIRN_CLUSTER_DIR, else ~/.cairn/cluster).")
        Optional<Path> dir = Optional.empty();

        Path get() {
            return dir.orElseGet(() -> Caller.current().clusterDir())
                    .toAbsolutePath()
                    .normalize();
        }
    }

    @Command(
            name = "up",
            mixinStandardHelpOptions = true,
            description = {
                "Starts a local cluster: a controller, storage nodes with file-backed drives in zones, and a"
                        + " client agent, as separate processes on loopback, with their data and logs under DIR.",
                "Returns when every node is online. On a DIR that holds a cluster, starts whatever of it is not"
                        + " running, with its volumes and data as they were."
            })
    static final class Up implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        DirOption dir;

        @Option(names = "--nodes", paramLabel = "N", description = "Storage nodes (default 6).")
        Optional<Integer> nodes = Optional.empty();

        @Option(
                names = "--zones",
                paramLabel = "N",
                description = "Zones a, b, c... the nodes are spread over (default 3).")
        Optional<Integer> zones = Optional.empty();

        @Option(
                names = "--drive-size",
                paramLabel = "SIZE",
                description = "Each node's drive file (sparse; default 1GiB).")
        Optional<String> driveSize = Optional.empty();

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Path d = dir.get();
            Optional<LocalCluster> existing = LocalCluster.open(d);
            LocalCluster cluster;
            if (existing.isPresent()) {
                cluster = existing.get();
                refuseChanges(cluster.spec(), d);
                out.printf("cairn: bringing up the local cluster in %s%n", d);
            } else {
                ClusterSpec s = ClusterSpec.create(
                        nodes.orElse(6),
                        zones.orElse(3),
                        driveSize.map(t -> Sizes.parse(t, "--drive-size")).orElse(1L << 30),
                        List.of(),
                        List.of(),
                        List.of());
                cluster = LocalCluster.create(d, s);
                out.printf(
                        "cairn: starting a new local cluster in %s (%d nodes in %d zones, %s drives)%n",
                        d, s.nodes(), s.zones(), Sizes.human(s.driveSizeBytes()));
            }
            out.flush();
            long start = System.nanoTime();
            cluster.up(line -> {
                out.println("  " + line);
                out.flush();
            });
            awaitVolumesServed(cluster, out);
            out.printf("cluster up in %.1f s%n%n", (System.nanoTime() - start) / 1e9);
            printEndpoints(out, cluster);
            return 0;
        }

        /**
         * Waits (a minute at most) until the agent serves every volume attached to it again, and says
         * which volumes are back, or which are not yet.
         */
        private static void awaitVolumesServed(LocalCluster cluster, PrintWriter out) throws Exception {
            List<Views.VolumeView> volumes;
            try (ControlClient api = adminClient(cluster)) {
                volumes = api.volumes().list();
            }
            Map<String, String> attached = new TreeMap<>();
            volumes.stream()
                    .filter(v -> v.attachment()
                            .map(a -> a.host().equals(LocalCluster.AGENT_HOST))
                            .orElse(false))
                    .forEach(v -> attached.put(v.id().toString(), v.name()));
            SocketAddress address = UnixDomainSocketAddress.of(cluster.agentSocket());
            Set<String> missing = new TreeSet<>(attached.keySet());
            Wait.real().until(Duration.ofMinutes(1), () -> {
                try {
                    missing.removeAll(NbdClient.list(address));
                } catch (IOException e) {
                    // not serving yet
                }
                return missing.isEmpty();
            });
            out.printf(
                    "  %d volume(s) (%d attached to %s and served again)%n",
                    volumes.size(), attached.size() - missing.size(), LocalCluster.AGENT_HOST);
            for (String id : missing) {
                out.printf(
                        "  volume %s is attached but not served yet; see %s%n",
                        attached.get(id), cluster.member("agent").log());
            }
        }

        private void refuseChanges(ClusterSpec s, Path d) {
            boolean same = nodes.map(n -> n == s.nodes()).orElse(true)
                    && zones.map(z -> z == s.zones()).orElse(true)
                    && driveSize
                            .map(t -> Sizes.parse(t, "--drive-size"))
                            .map(b -> b == s.driveSizeBytes())
                            .orElse(true);
            if (!same) {
                throw new IllegalArgumentException(d + " holds a cluster of " + s.nodes() + " nodes in " + s.zones()
                        + " zones with " + Sizes.human(s.driveSizeBytes()) + " drives; bring it up without --nodes,"
                        + " --zones and --drive-size (or with the same values), or give another --dir");
            }
        }
    }

    /** A client of the local cluster's controller with its admin token. */
    static ControlClient adminClient(LocalCluster cluster) throws IOException {
        return new ControlClient(
                ControlClient.urls(cluster.controllerUrl()),
                Optional.of(Files.readString(cluster.adminTokenFile(), StandardCharsets.UTF_8)
                        .strip()),
                Duration.ofSeconds(30));
    }

    /** Where everything is: the REST API, the token, each node, the agent, their logs and metrics. */
    static void printEndpoints(PrintWriter out, LocalCluster cluster) throws IOException {
        Table t = new Table("DAEMON", "ZONE", "PID", "ENDPOINTS", "METRICS", "LOG");
        for (LocalCluster.Member m : cluster.members()) {
            Optional<ProcessHandle> p = cluster.running(m);
            Optional<ReadyFile> ready = p.isPresent() ? Optional.of(cluster.ready(m)) : Optional.empty();
            t.row(
                    m.name(),
                    m.zone().orElse("-"),
                    p.map(h -> Long.toString(h.pid())).orElse("stopped"),
                    ready.map(ClusterLocalCommands::endpoints).orElse("-"),
                    ready.map(ReadyFile::metrics).orElse("-"),
                    m.log());
        }
        t.print(out);
        out.printf(
                "%nREST API:     %s (OpenAPI at %s/openapi.json)%nadmin token:  %s%nnode tokens:  %s"
                        + " (each node's admin API)%nNBD exports:  %s (volumes attached to host %s; only %s may"
                        + " connect)%n",
                cluster.controllerUrl(),
                cluster.controllerUrl(),
                cluster.adminTokenFile(),
                cluster.dir().resolve("node-N/data/admin.token"),
                NbdAddress.uri(cluster.agentSocket().toString(), "VOLUME-ID"),
                LocalCluster.AGENT_HOST,
                System.getProperty("user.name"));
        out.printf(
                "%nThe CLI finds this cluster by itself%s. Try:%n"
                        + "  bin/cairn cluster status%n"
                        + "  bin/cairn volume create v1 --size 256MiB --class zone-3%n"
                        + "  bin/cairn volume attach v1 --host %s%n"
                        + "  bin/cairn cluster down%n",
                cluster.dir().equals(Caller.current().clusterDir())
                        ? ""
                        : " after: source " + cluster.dir().resolve("env"),
                LocalCluster.AGENT_HOST);
        out.flush();
    }

    private static String endpoints(ReadyFile ready) {
        return switch (ready) {
            case ReadyFile.Controller c -> c.rest();
            case ReadyFile.Node n -> "nbd " + n.nbd() + ", admin " + n.admin();
            case ReadyFile.Agent a -> "nbd " + a.nbd();
        };
    }

    @Command(
            name = "down",
            mixinStandardHelpOptions = true,
            description = "Stops every process of the local cluster (by pid; SIGTERM, SIGKILL after 30 s). The data"
                    + " stays: `cluster up` on the same DIR brings it back.")
    static final class Down implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        DirOption dir;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Path d = dir.get();
            LocalCluster cluster = LocalCluster.open(d)
                    .orElseThrow(() -> new IllegalArgumentException("no local cluster in " + d + " (no cluster.json)"));
            int[] stopped = {0};
            cluster.down(line -> {
                out.println("  " + line);
                out.flush();
                stopped[0]++;
            });
            out.printf("cluster down: %d process(es) stopped; the data stays in %s%n", stopped[0], d);
            return 0;
        }
    }
}
