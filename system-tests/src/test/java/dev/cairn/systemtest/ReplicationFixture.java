package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.nbd.client.NbdClient;
import dev.cairn.testkit.AgentProcess;
import dev.cairn.testkit.PrometheusText;
import dev.cairn.testkit.Tool;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;

/**
 * A controller, three nodes in zones a, b and c, and client agents: what the replication tests
 * drive, with fio, qemu-io and nbdcopy against the agents' exports.
 */
abstract class ReplicationFixture extends ClusterFixture {
    static final Duration FIO_TIMEOUT = Duration.ofMinutes(3);
    final Map<String, AgentProcess> agents = new LinkedHashMap<>();
    /** How the tests open legs straight at their nodes (over TLS when the nodes require it). */
    NbdClient.Options legOptions = NbdClient.Options.DEFAULT;

    void startCluster() throws IOException {
        Tool.require("fio", "fio");
        controllerGroup(1);
        startController("c1");
        startNodes(List.of("na", "nb", "nc"), n -> startNode(n, n.substring(1)));
        awaitNodesOnline(3);
    }

    AgentProcess startAgent(String host) throws IOException {
        return startAgent(host, Map.of());
    }

    /** Starts the agent of {@code host} with {@code env} added to its environment. */
    AgentProcess startAgent(String host, Map<String, String> env) throws IOException {
        return startAgent(host, env, List.of());
    }

    /** As above, with {@code extra} arguments. */
    AgentProcess startAgent(String host, Map<String, String> env, List<String> extra) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "--leg-timeout",
                "2s",
                "--retry-every",
                "200ms",
                "--report-every",
                "500ms",
                "--bitmap-sweep-every",
                "500ms"));
        args.addAll(controllerCa());
        args.addAll(extra);
        AgentProcess a = AgentProcess.start(
                dir.resolve("agent-" + host), host, urls(), tokens().resolve("node.token"), args, env);
        agents.put(host, a);
        await().atMost(WAIT)
                .until(() ->
                        api().get("/v1/agents").ok().findValuesAsText("host").contains(host));
        return a;
    }

    /** Creates a 3-replica volume across zones and attaches it to {@code host}; its id. */
    String createAttached(String name, String size, String host) {
        return createAttached(name, size, host, "zone-3");
    }

    /** Creates a volume of {@code className} and attaches it to {@code host}; its id. */
    String createAttached(String name, String size, String host, String className) {
        cli("volume", "create", name, "--size", size, "--class", className).ok();
        attach(name, host, false);
        return volume(name).get("id").asText();
    }

    void attach(String name, String host, boolean force) {
        List<String> args = new ArrayList<>(List.of("volume", "attach", name, "--host", host));
        if (force) {
            args.add("--force");
        }
        cli(args.toArray(String[]::new)).ok();
        awaitInSync(name);
    }

    JsonNode volume(String name) {
        return api().get("/v1/volumes/" + name).ok();
    }

    List<String> legSync(String name) {
        List<String> states = new ArrayList<>();
        volume(name).get("legs").forEach(l -> states.add(l.path("sync").asText("")));
        return states;
    }

    /** Creates a 4+2 volume across zones, waits until its layouts are stored, attaches it to {@code host}; its id. */
    String createAttachedEc(String name, String size, AgentProcess agent) {
        return createAttachedEc(name, size, agent, 1);
    }

    /** As above, for a volume of {@code pstores} PStores. */
    String createAttachedEc(String name, String size, AgentProcess agent, int pstores) {
        cli("volume", "create", name, "--size", size, "--class", "ec-zone").ok();
        await().atMost(WAIT).until(() -> volume(name).get("state").asText().equals("AVAILABLE"));
        cli("volume", "attach", name, "--host", agent.host()).ok();
        awaitServing(agent, name, 6 * pstores);
        return volume(name).get("id").asText();
    }

    /** What {@code nbdinfo --size} says of the export at {@code uri}. */
    static long exportSize(String uri) {
        return Long.parseLong(Tool.run(Duration.ofMinutes(1), "nbdinfo", "--size", uri)
                .ok()
                .stdout()
                .strip());
    }

    JsonNode rebalance() {
        return api().get("/v1/rebalance").ok();
    }

    /** Whether the rebalance is within its spread with no move running, and no orphan is left. */
    boolean balancedAndSettled() {
        JsonNode r = rebalance();
        return r.get("balanced").asBoolean()
                && r.get("movesRunning").asInt() == 0
                && api().get("/v1/orphans").ok().isEmpty();
    }

    /** Stops node {@code name}'s daemon, waits until the controller marks it offline, and removes it. */
    void stopAndRemove(String name) {
        nodes.get(name).process().stop();
        await().atMost(WAIT)
                .until(() -> api().get("/v1/nodes/" + name)
                        .ok()
                        .get("state")
                        .asText()
                        .equals("OFFLINE"));
        cli("node", "remove", name).ok();
    }

    /** The names of the nodes holding the BStores of volume {@code name}, as its layouts say (PStore by PStore). */
    List<String> bstoreNodes(String name) {
        List<String> out = new ArrayList<>();
        for (JsonNode p : volume(name).get("erasure").get("layouts")) {
            p.get("bstores").forEach(b -> out.add(b.get("nodeName").asText()));
        }
        return out;
    }

    /** Waits until {@code agent} serves the volume with {@code usable} BStores in sync. */
    static void awaitServing(AgentProcess agent, String name, int usable) {
        await().atMost(WAIT.multipliedBy(2))
                .until(() -> PrometheusText.scrape(agent.metricsUrl())
                                .sum("cairn_agent_volume_legs", "name", name, "state", "IN_SYNC")
                        == usable);
    }

    /** Waits until the attached agent reports every leg in sync at the current generation. */
    void awaitInSync(String name) {
        await().atMost(WAIT).until(() -> legSync(name).stream().allMatch("IN_SYNC"::equals));
    }

    /**
     * Waits until {@code agent} itself serves the volume with {@code legs} legs in sync (its own
     * metrics: the controller may still hold a previous agent's report for the same generation).
     */
    static void awaitServedInSync(AgentProcess agent, String name, int legs) {
        await().atMost(WAIT)
                .until(() -> PrometheusText.scrape(agent.metricsUrl())
                                .sum("cairn_agent_volume_legs", "name", name, "state", "IN_SYNC")
                        == legs);
    }

    long copiedBytes(String name) {
        return volume(name).path("resync").path("copiedBytes").asLong();
    }

    /** fio's nbd engine on a volume: random 4k writes over [offset, offset+size), verified with crc32c. */
    static List<String> fioJob(String uri, String offset, String size, String rate, boolean verifyOnly) {
        List<String> cmd = new ArrayList<>(List.of(
                "fio",
                "--name=replicated",
                "--verify_state_save=0",
                "--ioengine=nbd",
                "--uri=" + uri,
                "--rw=randwrite",
                "--bs=4k",
                "--iodepth=8",
                "--offset=" + offset,
                "--size=" + size,
                "--randseed=4242",
                "--verify=crc32c",
                "--do_verify=1",
                "--verify_fatal=1",
                "--output-format=json"));
        if (!rate.isEmpty()) {
            cmd.add("--rate=" + rate);
        }
        if (verifyOnly) {
            cmd.add("--verify_only");
        }
        return cmd;
    }

    /**
     * Real NBD clients on the export at {@code uri} of {@code bytes}: nbdinfo sees its size, qemu-io
     * reads back a pattern it wrote, nbdcopy copies random data in and back out, equal. Returns
     * the data copied in (what the volume holds now).
     */
    byte[] realClientsRoundTrip(String uri, int bytes) throws IOException {
        Tool.Result info = Tool.run(FIO_TIMEOUT, "nbdinfo", "--json", uri).ok();
        assertThat(info.stdout()).contains("\"export-size\": " + bytes);
        Tool.run(FIO_TIMEOUT, "qemu-io", "-f", "raw", "-c", "write -P 0xab 1M 2M", "-c", "read -P 0xab 1M 2M", uri)
                .ok();
        Path in = dir.resolve("in.bin");
        Path out = dir.resolve("out.bin");
        byte[] data = new byte[bytes];
        new Random(7).nextBytes(data);
        Files.write(in, data);
        Tool.run(FIO_TIMEOUT, "nbdcopy", in.toString(), uri).ok();
        Tool.run(FIO_TIMEOUT, "nbdcopy", uri, out.toString()).ok();
        assertThat(Files.readAllBytes(out)).isEqualTo(data);
        return data;
    }

    static CompletableFuture<Tool.Result> inBackground(List<String> command) {
        return CompletableFuture.supplyAsync(() -> Tool.run(FIO_TIMEOUT, command));
    }

    /** A leg opened straight at its node, with the credentials of the current attachment. */
    record LegExport(InetSocketAddress address, String exportName, long volumeBytes, NbdClient.Options options) {
        NbdClient open() throws IOException {
            return NbdClient.connect(address, exportName, options);
        }
    }

    /** The legs of a volume attached to {@code host}, as its agent gets them from the controller. */
    List<LegExport> legExports(String host, String volumeId) {
        JsonNode desired = client(controllers.get("c1"), "node")
                .get("/v1/internal/agents/" + host + "/desired")
                .ok();
        List<LegExport> legs = new ArrayList<>();
        for (JsonNode v : desired.get("volumes")) {
            if (!v.get("volumeId").asText().equals(volumeId)) {
                continue;
            }
            for (JsonNode leg : v.get("legs")) {
                String export = leg.get("extentId").asText() + ";gen="
                        + v.get("generation").asLong() + ";key="
                        + leg.get("secret").asText();
                legs.add(new LegExport(
                        address(leg.get("nbdAddress").asText()),
                        export,
                        v.get("sizeBytes").asLong(),
                        legOptions));
            }
        }
        assertThat(legs).as("legs of volume %s attached to %s", volumeId, host).isNotEmpty();
        return legs;
    }

    /** SHA-256 of every leg's data area, read straight from its node. */
    List<String> legChecksums(String host, String volumeId) throws Exception {
        List<String> sums = new ArrayList<>();
        for (LegExport leg : legExports(host, volumeId)) {
            try (NbdClient c = leg.open()) {
                sums.add(sha256(c, c.sizeBytes() - leg.volumeBytes(), leg.volumeBytes()));
            }
        }
        return sums;
    }

    /** Whether the first leg of the volume holds any nonzero byte in [offset, offset+length). */
    boolean legHasData(String host, String volumeId, long offset, int length) throws Exception {
        LegExport leg = legExports(host, volumeId).getFirst();
        try (NbdClient c = leg.open()) {
            ByteBuffer b =
                    c.read(c.sizeBytes() - leg.volumeBytes() + offset, length).get();
            while (b.hasRemaining()) {
                if (b.get() != 0) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String sha256(NbdClient c, long from, long length) throws Exception {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        int chunk = 4 << 20;
        for (long at = 0; at < length; at += chunk) {
            int n = (int) Math.min(chunk, length - at);
            ByteBuffer b = c.read(from + at, n).get();
            md.update(b);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    @AfterEach
    void stopAgents() {
        agents.values().forEach(AgentProcess::close);
    }
}
