package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.testkit.AgentProcess;
import dev.cairn.testkit.PrometheusText;
import dev.cairn.testkit.Tool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Expansion with real processes: three nodes with small drives (one per zone) hold 3-leg volumes,
 * one of them attached with fio writing and verifying; three nodes with drives four times larger
 * join; the rebalance moves legs to them until the drives' fill is within its spread, each volume
 * keeping its three in-sync legs, while fio runs; the controller is stopped mid-rebalance and the
 * rebalance resumes when it is back; no orphan is left and the cluster's capacity grew. Then an old
 * node is drained (legs and KV volumes) and removed, fio still verifying.
 */
class RebalanceIT extends ReplicationFixture {
    private static final List<String> CONTROLLER_ARGS = List.of("--offline-after", "3s", "--election-timeout", "500ms");
    private static final int VOLUMES = 8;

    @Test
    void legsSpreadOverNodesThatJoinWhileFioVerifiesAndTheControllerRestartsMidway() throws Exception {
        Tool.require("fio", "fio");
        rebalance = true;
        controllerGroup(1);
        startController("c1", CONTROLLER_ARGS);
        startNodes(List.of("na1", "nb1", "nc1"), n -> startNode(n, n.substring(1, 2), List.of(), Map.of(), "512MiB"));
        awaitNodesOnline(3);
        AgentProcess agent = startAgent("h1");
        String id = createAttached("vol", "24MiB", "h1");
        for (int i = 1; i < VOLUMES; i++) {
            cli("volume", "create", "v" + i, "--size", "24MiB", "--class", "zone-3")
                    .ok();
        }
        await().atMost(WAIT).until(this::everyVolumeAvailable);
        awaitInSync("vol");
        long capacityBefore = api().get("/v1/cluster").ok().get("capacityBytes").asLong();
        JsonNode before = rebalance();
        assertThat(before.get("balanced").asBoolean())
                .as("three equally full drives: %s", before)
                .isTrue();

        CompletableFuture<Tool.Result> fio = inBackground(fioJob(agent.uri(id), "0", "16M", "2m", false));
        startNodes(List.of("na2", "nb2", "nc2"), n -> startNode(n, n.substring(1, 2), List.of(), Map.of(), "2GiB"));
        awaitNodesOnline(6);
        JsonNode joined = rebalance();
        assertThat(joined.get("spreadPoints").asDouble()).as("%s", joined).isGreaterThan(20);

        // Mid-rebalance, the controller stops; started again, it carries on from the replicated state.
        await().atMost(WAIT).until(() -> rebalance().get("moves").asLong() >= 1);
        controllers.get("c1").process().stop();
        startController("c1", CONTROLLER_ARGS);
        await().atMost(WAIT.multipliedBy(4))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    everyVolumeHasThreeStayingLegs();
                    return balancedAndSettled();
                });
        JsonNode after = rebalance();
        assertThat(after.get("spreadPoints").asDouble()).isLessThanOrEqualTo(5.0);
        assertThat(after.get("moves").asLong()).isGreaterThanOrEqualTo(3);
        assertThat(after.get("bytesMoved").asLong()).isGreaterThan(0);
        List<String> onLarge = new ArrayList<>();
        for (JsonNode v : api().get("/v1/volumes").ok()) {
            assertThat(v.get("legs")).hasSize(3);
            for (JsonNode leg : v.get("legs")) {
                String node = leg.get("nodeName").asText();
                if (node.endsWith("2")) {
                    onLarge.add(node);
                }
            }
        }
        assertThat(onLarge).as("legs on the large nodes").hasSizeGreaterThanOrEqualTo(3 * VOLUMES / 2);
        assertThat(api().get("/v1/cluster").ok().get("capacityBytes").asLong()).isGreaterThan(capacityBefore);
        double moved = PrometheusText.scrape(controllers.get("c1").metricsUrl())
                .sum("cairn_controller_rebalance_moved_bytes_total");
        assertThat((long) moved).isEqualTo(after.get("bytesMoved").asLong());

        Tool.Result r = fio.get(FIO_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.describe()).isZero();
        awaitInSync("vol");
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "0", "16M", "", true)).ok();

        drainAndRemove("na1", agent, id);
        List<String> sums = legChecksums("h1", id);
        assertThat(sums).hasSize(3).containsOnly(sums.getFirst());
    }

    /**
     * One of the old nodes is drained while fio writes and verifies (its legs and any KV volume move
     * off it), refused removal while it runs, stopped, and removed once offline.
     */
    private void drainAndRemove(String name, AgentProcess agent, String id) throws Exception {
        CompletableFuture<Tool.Result> fio = inBackground(fioJob(agent.uri(id), "16M", "8M", "2m", false));
        cli("node", "drain", name, "--wait", "--timeout", "2m").ok();
        assertThat(api().get("/v1/nodes/" + name)
                        .ok()
                        .at("/drain/kvVolumesLeft")
                        .asInt())
                .as("--wait waits for the KV volumes too")
                .isZero();
        await().atMost(WAIT).until(() -> {
            everyVolumeHasThreeStayingLegs();
            return kvVolumesOn(nodes.get(name)).isEmpty()
                    && api().get("/v1/nodes/" + name).ok().at("/drain/waiting").isEmpty()
                    && api().get("/v1/orphans").ok().isEmpty();
        });
        Tool.Result running = cli("node", "remove", name);
        assertThat(running.exitCode()).isNotZero();
        assertThat(running.stderr()).contains("node " + name + " is online: stop its daemon first");
        stopAndRemove(name);
        assertThat(api().get("/v1/nodes").ok().findValuesAsText("name")).doesNotContain(name);
        for (JsonNode v : api().get("/v1/volumes").ok()) {
            assertThat(v.get("legs")).hasSize(3);
            assertThat(v.get("legs").findValuesAsText("nodeName")).doesNotContain(name);
        }
        Tool.Result r = fio.get(FIO_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.describe()).isZero();
        awaitInSync("vol");
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "0", "16M", "", true)).ok();
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "16M", "8M", "", true)).ok();
    }

    private boolean everyVolumeAvailable() {
        for (JsonNode v : api().get("/v1/volumes").ok()) {
            if (!v.get("state").asText().equals("AVAILABLE")) {
                return false;
            }
        }
        return true;
    }

    /** A move adds the new leg before the old one goes: never fewer than three staying legs. */
    private void everyVolumeHasThreeStayingLegs() {
        for (JsonNode v : api().get("/v1/volumes").ok()) {
            long staying = 0;
            for (JsonNode leg : v.get("legs")) {
                JsonNode next = leg.path("replacedBy");
                staying += next.isMissingNode() || next.isNull() ? 1 : 0;
            }
            assertThat(staying).as("%s", v).isGreaterThanOrEqualTo(3);
        }
    }
}
