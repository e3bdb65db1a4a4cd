package dev.cairn.systemtest;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.local.FreePorts;
import dev.cairn.nbd.tls.HttpsTls;
import dev.cairn.testkit.AdminHttp;
import dev.cairn.testkit.CairnProcess;
import dev.cairn.testkit.ControllerProcess;
import dev.cairn.testkit.NodeProcess;
import dev.cairn.testkit.TlsMaterial;
import dev.cairn.testkit.Tool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster of real processes on loopback: controller peers (fixed ports, so a restarted peer is
 * found where it was) and storage nodes with zone labels that take their extents from them, driven
 * through {@code bin/cairn} as an operator would.
 */
abstract class ClusterFixture {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final ObjectMapper JSON = new ObjectMapper();

    /** Kept when a test fails: the daemons' logs are in it. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    /** Controller peer id to its (replication, REST) ports. */
    final Map<String, int[]> ports = new LinkedHashMap<>();

    /**
     * The controller peer listed first to nodes started from now on (they talk to the first that
     * answers); null: c1..cn in order.
     */
    String nodesAskFirst;

    final Map<String, ControllerProcess> controllers = new LinkedHashMap<>();

    /** Whether the test lets the rebalance run (see {@link #awaitNodesOnline}). */
    boolean rebalance;

    private boolean rebalancePaused;
    /** The nodes by name, in the order they were first started (several may start at once). */
    final Map<String, NodeProcess> nodes = Collections.synchronizedMap(new LinkedHashMap<>());

    /** Chooses ports for a group of {@code n} controller peers (c1..cn). */
    void controllerGroup(int n) {
        for (int i = 1; i <= n; i++) {
            ports.put("c" + i, new int[] {FreePorts.next(), FreePorts.next()});
        }
    }

    String peers() {
        List<String> all = new ArrayList<>();
        ports.forEach((id, p) -> all.add(id + "=127.0.0.1:" + p[0]));
        return String.join(",", all);
    }

    /**
     * When set (before the first controller starts), the controllers serve their REST API over
     * HTTPS only with these certificates, and nodes, agents, the CLI and {@link #api} trust their CA.
     */
    Optional<TlsMaterial> restTls = Optional.empty();

    String urls() {
        List<String> all = new ArrayList<>();
        String scheme = restTls.isPresent() ? "https" : "http";
        ports.forEach((id, p) -> {
            String url = scheme + "://127.0.0.1:" + p[1];
            if (id.equals(nodesAskFirst)) {
                all.addFirst(url);
            } else {
                all.add(url);
            }
        });
        return String.join(",", all);
    }

    /** What a node or agent needs to trust the controllers (nothing over plain HTTP). */
    List<String> controllerCa() {
        return restTls.map(t -> List.of("--controller-ca", t.caCert().toString()))
                .orElse(List.of());
    }

    Path tokens() {
        return dir.resolve("tokens");
    }

    ControllerProcess startController(String id) throws IOException {
        return startController(id, List.of("--offline-after", "3s", "--election-timeout", "500ms"));
    }

    ControllerProcess startController(String id, List<String> args) throws IOException {
        return startController(id, args, Map.of());
    }

    /** Starts (or restarts, at the same ports and data) controller peer {@code id}, with {@code env}. */
    ControllerProcess startController(String id, List<String> args, Map<String, String> env) throws IOException {
        List<String> all = new ArrayList<>(args);
        restTls.ifPresent(t -> all.addAll(List.of(
                "--tls-cert",
                t.serverCert().toString(),
                "--tls-key",
                t.serverKey().toString())));
        ControllerProcess c =
                ControllerProcess.start(dir.resolve(id), id, peers(), ports.get(id)[1], tokens(), all, env);
        controllers.put(id, c);
        return c;
    }

    /** A node named {@code name} in {@code zone} with one 1 GiB file drive, linked to every controller peer. */
    NodeProcess startNode(String name, String zone) throws IOException {
        return startNode(name, zone, List.of());
    }

    /** As above, with extra arguments for the node. */
    NodeProcess startNode(String name, String zone, List<String> extra) throws IOException {
        return startNode(name, zone, extra, Map.of());
    }

    /** As above, with {@code env} added to the node's environment. */
    NodeProcess startNode(String name, String zone, List<String> extra, Map<String, String> env) throws IOException {
        return startNode(name, zone, extra, env, "1GiB");
    }

    /** As above, its drive of {@code driveSize} (as {@code --drive PATH,size=} takes it). */
    NodeProcess startNode(String name, String zone, List<String> extra, Map<String, String> env, String driveSize)
            throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "--controller",
                urls(),
                "--controller-token-file",
                tokens().resolve("node.token").toString(),
                "--heartbeat-every",
                "1s",
                "--name",
                name));
        args.addAll(controllerCa());
        args.addAll(extra);
        NodeProcess n = NodeProcess.start(
                dir.resolve(name),
                List.of(dir.resolve(name).resolve("d0.img") + ",size=" + driveSize),
                List.of("zone=" + zone),
                args,
                env);
        nodes.put(name, n);
        return n;
    }

    /** A start of a daemon (a JVM, seconds to come up) that may run beside others. */
    interface Start {
        void run() throws IOException;
    }

    /**
     * Runs {@code starts} side by side and returns once every one has: six nodes started one after
     * the other are most of a test's setup, and each mostly waits for its own JVM. The first
     * failure is thrown once all have ended.
     */
    static void startTogether(List<Start> starts) throws IOException {
        List<Future<?>> running = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Start start : starts) {
                running.add(pool.submit(() -> {
                    start.run();
                    return null;
                }));
            }
        }
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (ExecutionException e) {
                switch (e.getCause()) {
                    case IOException io -> throw io;
                    case RuntimeException re -> throw re;
                    case Error error -> throw error;
                    default -> throw new IOException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while starting daemons", e);
            }
        }
    }

    /** Starts the nodes {@code names} side by side, each by {@code start}; they keep the order of {@code names}. */
    void startNodes(List<String> names, NodeStart start) throws IOException {
        startTogether(names.stream().<Start>map(n -> () -> start.start(n)).toList());
        synchronized (nodes) {
            for (String n : names) {
                nodes.put(n, nodes.remove(n));
            }
        }
    }

    /** How one node of {@link #startNodes} is started, given its name. */
    interface NodeStart {
        void start(String name) throws IOException;
    }

    /** Runs {@code bin/cairn ARGS} against the controller group with the admin token. */
    Tool.Result cli(String... args) {
        Map<String, String> env = new HashMap<>(Map.of(
                "CAIRN_CONTROLLER",
                urls(),
                "CAIRN_TOKEN_FILE",
                tokens().resolve("admin.token").toString()));
        restTls.ifPresent(t -> env.put("CAIRN_CONTROLLER_CA", t.caCert().toString()));
        return CairnProcess.run(env, args);
    }

    /** Runs a CLI command with {@code -o json} and parses its output. */
    JsonNode cliJson(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("-o", "json"));
        String out = cli(all.toArray(String[]::new)).ok().stdout();
        try {
            return JSON.readTree(out);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + out, e);
        }
    }

    /** The REST API of any controller peer that answers, with the admin token. */
    AdminHttp api() {
        return client(
                controllers.values().stream()
                        .filter(c -> c.process().isAlive())
                        .findFirst()
                        .orElseThrow(),
                "admin");
    }

    /** A client of {@code controller}'s REST API with {@code role}'s token (over HTTPS with {@link #restTls}). */
    AdminHttp client(ControllerProcess controller, String role) {
        return controller.client(role, restTls.map(t -> {
            try {
                return HttpsTls.client(t.caCert());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
    }

    /**
     * Waits until {@code n} nodes are online. The first time, unless {@link #rebalance} is set, it
     * pauses the rebalance: these tests' drives are small (1 GiB, where one leg of 64 MiB is six
     * points of spread), so the rebalance would move the legs they watch; {@code RebalanceIT} tests
     * it.
     */
    void awaitNodesOnline(int n) {
        await().atMost(WAIT).until(() -> {
            int online = 0;
            for (JsonNode node : api().get("/v1/nodes").ok()) {
                online += node.get("state").asText().equals("ONLINE") ? 1 : 0;
            }
            return online == n;
        });
        if (!rebalance && !rebalancePaused) {
            await().atMost(WAIT)
                    .until(() -> api().post("/v1/rebalance/pause", "").status() == 200);
            rebalancePaused = true;
        }
    }

    /**
     * The ids of the data extents (legs) a node holds, from its own admin API. The DKV's KV volumes,
     * which a cluster places as soon as it has the nodes for its first shard, are left out: see
     * {@link #kvVolumesOn}.
     */
    static List<String> extentsOn(NodeProcess node) {
        return extentsOn(node, "data");
    }

    /** The ids of the BStores {@code node} holds (as its admin API lists them). */
    static List<String> bstoresOn(NodeProcess node) {
        return extentsOn(node, "bstore");
    }

    /**
     * Waits until the DKV has its first shard (a cluster places it once it has the nodes for its
     * mirrors) and every mirror is served at the current epoch: the DKV's use of the drives is
     * settled until a node leaves.
     */
    void awaitDkvServed() {
        await().atMost(WAIT).until(() -> {
            JsonNode dkv = api().get("/v1/dkv").ok();
            long epoch = dkv.get("epoch").asLong();
            return !dkv.get("shards").isEmpty()
                    && dkv.get("shards").findValues("mirrors").stream()
                            .flatMap(ms -> StreamSupport.stream(ms.spliterator(), false))
                            .allMatch(m -> m.get("reportedEpoch").asLong() == epoch);
        });
    }

    /** The ids of the DKV's KV volumes a node holds, from its own admin API. */
    static List<String> kvVolumesOn(NodeProcess node) {
        return extentsOn(node, "kv");
    }

    private static List<String> extentsOn(NodeProcess node, String kind) {
        List<String> ids = new ArrayList<>();
        for (JsonNode e : node.admin().get("/v1/extents").ok()) {
            if (e.path("kind").asText().equals(kind)) {
                ids.add(e.get("id").asText());
            }
        }
        return ids;
    }

    @AfterEach
    void stopCluster() {
        nodes.values().forEach(NodeProcess::close);
        controllers.values().forEach(ControllerProcess::close);
    }
}
