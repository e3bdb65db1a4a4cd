package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.testkit.AgentProcess;
import dev.cairn.testkit.Tool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Self-healing with real processes: six nodes in three zones, a 3-leg volume spread across them,
 * fio writing through the agent with crc32c verification while a node dies, while the network
 * between the agent and one node is cut, and while a node is drained.
 */
class SelfHealingIT extends SelfHealingFixture {

    private Map<String, Long> freeOfEveryNode() {
        awaitDkvServed();
        Map<String, Long> free = new HashMap<>();
        nodes.keySet().forEach(n -> free.put(n, freeForLegs(n)));
        return free;
    }

    private List<String> legNodes(String volume) {
        List<String> names = new ArrayList<>();
        volume(volume).get("legs").forEach(l -> names.add(nameOf(l.get("nodeId").asText())));
        return names;
    }

    private JsonNode legAt(String volume, int index) {
        for (JsonNode l : volume(volume).get("legs")) {
            if (l.get("index").asInt() == index) {
                return l;
            }
        }
        return JSON.createObjectNode();
    }

    private void assertLegsIdentical(String id) throws Exception {
        List<String> sums = legChecksums("h1", id);
        assertThat(sums).hasSize(3).containsOnly(sums.getFirst());
    }

    @Test
    void aDeadNodesLegIsReplacedInAValidZoneAndItsExtentErasedWhenItReturns() throws Exception {
        startSixNodes(List.of());
        AgentProcess agent = startAgent("h1");
        Map<String, Long> freeBefore = freeOfEveryNode();
        String id = createAttached("vol", "64MiB", "h1", CLASS);
        String victim = nodeOfLeg("vol", 1);
        String oldExtent = legAt("vol", 1).get("extentId").asText();

        CompletableFuture<Tool.Result> fio = inBackground(fioJob(agent.uri(id), "0", "16M", "2m", false));
        nodes.get(victim).process().kill();
        await().atMost(WAIT)
                .until(() -> legAt("vol", 1).path("missing").asText("").contains("heartbeat lost"));
        awaitHealthy("vol");
        Tool.Result r = fio.get(FIO_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.describe()).isZero();

        assertThat(legAt("vol", 1).path("extentId").asText())
                .as("the old leg left once its replacement was in sync")
                .isEmpty();
        String replacement = nodeOfLeg("vol", 3);
        assertThat(replacement).isNotEqualTo(victim);
        assertThat(zoneOf(replacement)).as("the only zone left without a leg").isEqualTo(zoneOf(victim));
        assertThat(api().get("/v1/orphans").ok().findValuesAsText("extentId")).contains(oldExtent);
        assertLegsIdentical(id);

        startProxiedNode(victim, zoneOf(victim));
        await().atMost(WAIT)
                .until(() -> !extentsOn(nodes.get(victim)).contains(oldExtent)
                        && api().get("/v1/orphans").ok().isEmpty()
                        && freeForLegs(victim) == freeBefore.get(victim));
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "0", "16M", "", true)).ok();
    }

    @Test
    void aNodeTheAgentCannotReachIsANetworkProblemAndIsRepairedAfterTheTimeout() throws Exception {
        startSixNodes(List.of());
        AgentProcess agent = startAgent("h1");
        String id = createAttached("vol", "64MiB", "h1", CLASS);
        String cut = nodeOfLeg("vol", 2);
        String oldExtent = legAt("vol", 2).get("extentId").asText();

        CompletableFuture<Tool.Result> fio = inBackground(fioJob(agent.uri(id), "16M", "16M", "2m", false));
        proxies.get(cut).partition();
        await().atMost(WAIT)
                .until(() -> legAt("vol", 2)
                        .path("missing")
                        .asText("")
                        .startsWith("node alive but the agent cannot reach it (network problem)"));
        assertThat(api().get("/v1/nodes/" + nodes.get(cut).nodeId())
                        .ok()
                        .get("state")
                        .asText())
                .isEqualTo("ONLINE");
        awaitHealthy("vol");
        assertThat(legNodes("vol")).doesNotContain(cut);
        Tool.Result r = fio.get(FIO_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.describe()).isZero();

        proxies.get(cut).heal();
        await().atMost(WAIT).until(() -> !extentsOn(nodes.get(cut)).contains(oldExtent));
        assertLegsIdentical(id);
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "16M", "16M", "", true)).ok();
    }

    /**
     * Follows every change of what the agent on {@code host} is handed (the long poll the agent
     * itself uses) until {@code done}; the most legs volume {@code id} had at once.
     */
    private int mostLegsHandedTo(String host, String id, AtomicBoolean done) {
        int most = 0;
        long after = -1;
        JsonNode last = null;
        while (!done.get()) {
            JsonNode d = controllers
                    .get("c1")
                    .client("node")
                    .get("/v1/internal/agents/" + host + "/desired?waitMillis=1000&after=" + after)
                    .ok();
            after = d.get("changedAt").asLong();
            last = d;
            for (JsonNode v : d.get("volumes")) {
                if (v.get("volumeId").asText().equals(id)) {
                    most = Math.max(most, v.get("legs").size());
                }
            }
        }
        if (most == 0) {
            throw new AssertionError("volume " + id + " never handed to " + host + "; last: " + last);
        }
        return most;
    }

    @Test
    void drainingANodeUnderLoadNeverLeavesAVolumeWithFewerInSyncLegsThanItsClass() throws Exception {
        startSixNodes(List.of());
        AgentProcess agent = startAgent("h1");
        String id = createAttached("vol", "64MiB", "h1", CLASS);
        String drained = nodeOfLeg("vol", 0);
        String nodeId = nodes.get(drained).nodeId();

        CompletableFuture<Tool.Result> fio = inBackground(fioJob(agent.uri(id), "0", "24M", "2m", false));
        AtomicBoolean drainDone = new AtomicBoolean();
        // Its own thread: the common pool may be taken by the fio job waiting above.
        ExecutorService watcher = Executors.newSingleThreadExecutor();
        CompletableFuture<Integer> mostLegsHanded =
                CompletableFuture.supplyAsync(() -> mostLegsHandedTo("h1", id, drainDone), watcher);
        watcher.shutdown();
        cli("node", "drain", nodeId).ok();
        AtomicInteger polls = new AtomicInteger();
        await().atMost(WAIT.multipliedBy(2))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    JsonNode v = volume("vol");
                    long inSync = 0;
                    for (JsonNode l : v.get("legs")) {
                        inSync += l.path("sync").asText("").equals("IN_SYNC") ? 1 : 0;
                    }
                    assertThat(inSync)
                            .as("in-sync legs at poll %d: %s", polls.incrementAndGet(), v)
                            .isGreaterThanOrEqualTo(3);
                    JsonNode drain = api().get("/v1/nodes/" + nodeId).ok().path("drain");
                    return drain.path("legsLeft").asInt(-1) == 0;
                });
        drainDone.set(true);
        assertThat(mostLegsHanded.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .as("the agent had the replacement and the old leg together")
                .isEqualTo(4);
        awaitHealthy("vol");
        assertThat(legNodes("vol")).doesNotContain(drained);
        Tool.Result r = fio.get(FIO_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertLegsIdentical(id);
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "0", "24M", "", true)).ok();
        cli("node", "undrain", nodeId).ok();
    }
}
