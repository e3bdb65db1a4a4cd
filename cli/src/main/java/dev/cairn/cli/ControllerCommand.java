package dev.cairn.cli;

import dev.cairn.control.api.Sizes;
import dev.cairn.control.daemon.Controller;
import dev.cairn.control.daemon.ControllerConfig;
import dev.cairn.control.raft.RaftSettings;
import dev.cairn.nbd.tls.HttpsTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.SSLContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn controller}: runs one controller peer until it is stopped (SIGINT or SIGTERM). */
@Command(
        name = "controller",
        mixinStandardHelpOptions = true,
        description = "Runs a controller peer: the replicated cluster state (Apache Ratis), placement and the REST "
                + "API. One peer by default; for high availability run three (or five) with the same --peers.")
final class ControllerCommand implements Callable<Integer> {

    @Option(
            names = "--data",
            required = true,
            paramLabel = "DIR",
            description = "Where this peer keeps its replicated log, snapshots and (by default) tokens.")
    Path data;

    @Option(
            names = "--listen",
            defaultValue = "127.0.0.1:8400",
            paramLabel = "HOST:PORT",
            description = "The REST API (default ${DEFAULT-VALUE}; port 0 picks one).")
    String listen;

    @Option(
            names = "--id",
            defaultValue = "c1",
            paramLabel = "ID",
            description = "This peer's id among --peers (default ${DEFAULT-VALUE}).")
    String id;

    @Option(
            names = "--raft",
            paramLabel = "HOST:PORT",
            description = "Where this peer replicates its log with the others (Raft), when it runs alone (default"
                    + " 127.0.0.1:8401; port 0 picks one). With --peers, its own entry there says it.")
    Optional<String> raft = Optional.empty();

    @Option(
            names = "--peers",
            paramLabel = "ID=HOST:PORT[,...]",
            description = "Every controller peer and its replication address, the same on every peer "
                    + "(default: this one alone, ID=--raft).")
    Optional<String> peers = Optional.empty();

    @Option(names = "--admin-token-file", paramLabel = "FILE", description = "Default: DATA/tokens/admin.token.")
    Optional<Path> adminToken = Optional.empty();

    @Option(names = "--read-token-file", paramLabel = "FILE", description = "Default: DATA/tokens/read.token.")
    Optional<Path> readToken = Optional.empty();

    @Option(names = "--node-token-file", paramLabel = "FILE", description = "Default: DATA/tokens/node.token.")
    Optional<Path> nodeToken = Optional.empty();

    @Option(
            names = "--offline-after",
            defaultValue = "30s",
            paramLabel = "DURATION",
            description = "A node silent this long is marked offline (default ${DEFAULT-VALUE}).")
    String offlineAfter;

    @Option(
            names = "--election-timeout",
            defaultValue = "1s",
            paramLabel = "DURATION",
            description = "Silence from the leader before a follower calls an election (default ${DEFAULT-VALUE}).")
    String electionTimeout;

    @Option(
            names = "--spare",
            defaultValue = "0",
            paramLabel = "FRACTION",
            description = "Share of every drive placement keeps free (default ${DEFAULT-VALUE}).")
    double spare;

    @Option(
            names = "--repair-syncs-per-node",
            defaultValue = "2",
            paramLabel = "N",
            description = "First syncs of new legs (repairs, drains, added replicas) one node may take at once"
                    + " (default ${DEFAULT-VALUE}).")
    int repairSyncsPerNode;

    @Option(
            names = "--repair-bandwidth",
            defaultValue = "0",
            paramLabel = "SIZE",
            description = "Bytes per second each agent's resyncs may copy, all volumes together, e.g. 200MiB"
                    + " (default ${DEFAULT-VALUE}: no limit).")
    String repairBandwidth;

    @Option(
            names = "--snapshot-every",
            defaultValue = "10000",
            paramLabel = "ENTRIES",
            description = "Log entries between snapshots of the state (default ${DEFAULT-VALUE}).")
    long snapshotEvery;

    @Option(
            names = "--tls-cert",
            paramLabel = "FILE",
            description = "Serve the REST API (and /metrics) over HTTPS only: this certificate (PEM, then its"
                    + " intermediates), which must name the address clients use. Needs --tls-key.")
    Optional<Path> tlsCert = Optional.empty();

    @Option(names = "--tls-key", paramLabel = "FILE", description = "The private key of --tls-cert (PEM, mode 0600).")
    Optional<Path> tlsKey = Optional.empty();

    @Option(
            names = "--ready-file",
            paramLabel = "FILE",
            description = "Once serving, write this peer's id, addresses and metrics URL here as JSON.")
    Optional<Path> readyFile = Optional.empty();

    private long bandwidth() {
        try {
            return Sizes.parse(repairBandwidth, "--repair-bandwidth");
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
        }
    }

    /**
     * The peers, every one at its Raft address: --peers, or this one alone at --raft. This peer's
     * own address is checked to be free before anything starts.
     */
    private String peers() {
        if (peers.isPresent()) {
            if (raft.isPresent()) {
                throw new IllegalArgumentException(
                        "--raft is for a controller alone; with --peers, this peer's entry there (" + id
                                + "=HOST:PORT) is its Raft address");
            }
            RaftSettings.Peer self = RaftSettings.parsePeers(peers.get()).stream()
                    .filter(p -> p.id().equals(id))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(
                            "--peers " + peers.get() + " has no entry for this peer's --id " + id));
            InetSocketAddress a = self.address();
            ListenAddress.check(
                    new InetSocketAddress(a.getHostString(), a.getPort()), "--peers", "--peers " + id + "=HOST:PORT");
            return peers.get();
        }
        InetSocketAddress a = ListenAddress.parse(raft.orElse("127.0.0.1:8401"), "--raft");
        int port = a.getPort() == 0 ? ListenAddress.freePort(a.getHostString(), "--raft") : a.getPort();
        return id + "=" + a.getHostString() + ":" + port;
    }

    private Optional<SSLContext> https() throws IOException {
        if (tlsCert.isPresent() != tlsKey.isPresent()) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together");
        }
        return tlsCert.isEmpty() ? Optional.empty() : Optional.of(HttpsTls.server(tlsCert.get(), tlsKey.get()));
    }

    @Option(
            names = "--dkv-mirrors",
            defaultValue = "3",
            paramLabel = "N",
            description = "Mirrors of each DKV shard, on distinct nodes (default ${DEFAULT-VALUE}).")
    int dkvMirrors;

    @Option(
            names = "--kv-volumes-per-drive",
            defaultValue = "2",
            paramLabel = "N",
            description = "The most DKV KV volumes (16 MiB each) placed on one drive (default ${DEFAULT-VALUE}).")
    int kvVolumesPerDrive;

    @Override
    public Integer call() throws Exception {
        Optional<SSLContext> https = https(); // checked before anything is started
        InetSocketAddress rest = ListenAddress.parse(listen, "--listen");
        String peerList = peers();
        List<RaftSettings.Peer> group = RaftSettings.parsePeers(peerList);
        RaftSettings raft = new RaftSettings(
                id,
                group,
                data,
                Durations.parse(electionTimeout, "--election-timeout"),
                Duration.ofSeconds(15),
                snapshotEvery);
        ControllerConfig config = new ControllerConfig(
                raft,
                rest,
                adminToken,
                readToken,
                nodeToken,
                Durations.parse(offlineAfter, "--offline-after"),
                spare,
                repairSyncsPerNode,
                bandwidth(),
                readyFile,
                https,
                new ControllerConfig.Dkv(dkvMirrors, kvVolumesPerDrive));
        Controller controller = Controller.start(config, InstantSource.system());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            controller.close();
                            stopped.countDown();
                        },
                        "cairn-shutdown"));
        System.out.printf(
                "cairn controller %s: REST API on %s, replication on %s (peers %s), metrics on %s; tokens in %s%n",
                id,
                controller.restUrl(),
                raft.self().hostPort(),
                peerList,
                controller.metricsUrl(),
                adminToken
                        .map(p -> p.toAbsolutePath().getParent())
                        .orElse(data.resolve("tokens").toAbsolutePath()));
        System.out.flush();
        stopped.await();
        return 0;
    }
}
