package dev.cairn.systemtest;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.testkit.FaultProxy;
import dev.cairn.testkit.NodeProcess;
import dev.cairn.testkit.Tool;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;

/**
 * Six nodes, two in each of zones a, b and c, each serving NBD behind a {@link FaultProxy} (what
 * the controller hands to agents), so a test can cut the network between the agent and one node
 * while the node goes on heartbeating; a storage class {@code heal-3} with a short repair timeout.
 */
abstract class SelfHealingFixture extends ReplicationFixture {
    static final String CLASS = "heal-3";
    static final String REPAIR_TIMEOUT = "4s";
    final Map<String, FaultProxy> proxies = Collections.synchronizedMap(new LinkedHashMap<>());
    private final List<String> controllerArgs = new ArrayList<>();

    void startSixNodes(List<String> controllerArgs) throws IOException {
        Tool.require("fio", "fio");
        controllerGroup(1);
        this.controllerArgs.addAll(List.of("--offline-after", "3s", "--election-timeout", "500ms"));
        this.controllerArgs.addAll(controllerArgs);
        startController("c1", this.controllerArgs);
        startNodes(List.of("na1", "na2", "nb1", "nb2", "nc1", "nc2"), n -> startProxiedNode(n, zoneOf(n)));
        awaitNodesOnline(6);
        cli("class", "create", CLASS, "--replicas", "3", "--spread-across", "zone", "--repair-timeout", REPAIR_TIMEOUT)
                .ok();
    }

    /** Starts (or restarts, on the same drive) a node whose NBD address agents reach through its proxy. */
    NodeProcess startProxiedNode(String name, String zone) throws IOException {
        return startProxiedNode(name, zone, Map.of());
    }

    /** As above, with {@code env} added to the node's environment. */
    NodeProcess startProxiedNode(String name, String zone, Map<String, String> env) throws IOException {
        FaultProxy proxy = proxies.computeIfAbsent(
                name, n -> FaultProxy.to(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9)));
        NodeProcess n = startNode(name, zone, List.of("--nbd-advertise", proxy.address()), env);
        proxy.retarget(n.nbd());
        return n;
    }

    /** Stops the controller (SIGTERM) and starts it again on the same data and ports, with {@code env}. */
    void restartController(Map<String, String> env) throws IOException {
        controllers.get("c1").process().stop();
        startController("c1", controllerArgs, env);
    }

    /** The name of the node (as started here) holding leg {@code index} of the volume. */
    String nodeOfLeg(String volume, int index) {
        JsonNode v = volume(volume);
        for (JsonNode leg : v.get("legs")) {
            if (leg.get("index").asInt() == index) {
                return nameOf(leg.get("nodeId").asText());
            }
        }
        throw new AssertionError("volume " + volume + " has no leg " + index + ": " + v);
    }

    String nameOf(String nodeId) {
        return nodes.entrySet().stream()
                .filter(e -> e.getValue().nodeId().equals(nodeId))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseThrow();
    }

    String zoneOf(String nodeName) {
        return nodeName.substring(1, 2);
    }

    /** Waits until the volume has its class's legs, every one in sync as the agent reports, and is HEALTHY. */
    void awaitHealthy(String volume) {
        await().atMost(WAIT.multipliedBy(2)).until(() -> {
            JsonNode v = volume(volume);
            return v.get("health").asText().equals("HEALTHY")
                    && v.get("legs").size() == 3
                    && legSync(volume).stream().allMatch("IN_SYNC"::equals);
        });
    }

    /**
     * The free bytes of a node's drives as the controller counts them, plus what the DKV's KV
     * volumes on it hold (as the node lists them): the room legs have, which the DKV's mirrors,
     * moved when a node leaves, do not change.
     */
    long freeForLegs(String nodeName) {
        long kv = 0;
        for (JsonNode e : nodes.get(nodeName).admin().get("/v1/extents").ok()) {
            kv += e.path("kind").asText().equals("kv") ? e.get("sizeBytes").asLong() : 0;
        }
        return kv
                + api().get("/v1/nodes/" + nodes.get(nodeName).nodeId())
                        .ok()
                        .get("freeBytes")
                        .asLong();
    }

    @AfterEach
    void stopProxies() {
        proxies.values().forEach(FaultProxy::close);
    }
}
