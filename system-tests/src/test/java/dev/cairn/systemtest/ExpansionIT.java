package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.testkit.AgentProcess;
import dev.cairn.testkit.Tool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The expansion of issue 20 with real processes: six nodes with small drives (one zone each) hold
 * a replicated volume and two 4+2 volumes, one replicated and one 4+2 attached with fio writing and
 * verifying; three nodes with drives four times larger join; the rebalance moves legs and BStores
 * to them until the drives' fill is within its spread, while fio runs; the controller is killed
 * mid-rebalance and the rebalance resumes when it is back; no orphan or leaked extent is left and
 * the cluster's capacity grew. Then an old node is drained (legs, BStores, KV volumes) and removed,
 * fio still verifying. The agent switches each moved BStore of the attached volume without leaving
 * the old one first.
 */
class ExpansionIT extends ReplicationFixture {
    private static final List<String> CONTROLLER_ARGS = List.of("--offline-after", "3s", "--election-timeout", "500ms");
    private static final List<String> OLD = List.of("n1", "n2", "n3", "n4", "n5", "n6");
    private static final List<String> NEW = List.of("n7", "n8", "n9");

    @Test
    void legsAndBStoresSpreadOverLargerNodesWhileFioVerifiesThroughAControllerKillAndADrain() throws Exception {
        Tool.require("fio", "fio");
        rebalance = true;
        controllerGroup(1);
        startController("c1", CONTROLLER_ARGS);
        startNodes(OLD, n -> startNode(n, "z" + n.substring(1), List.of(), Map.of(), "1GiB"));
        awaitNodesOnline(6);
        awaitDkvServed();
        cli("class", "create", "ec-zone", "--ec", "4+2", "--spread-across", "zone")
                .ok();
        AgentProcess agent = startAgent("h1");
        String replicated = createAttached("vol", "8MiB", "h1");
        String ec = createAttachedEc("ec", "96MiB", agent);
        String cold = createAttachedEc("cold", "96MiB", agent);
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(cold), "0", "32M", "", false)).ok();
        cli("volume", "detach", "cold").ok();
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(ec), "0", "32M", "", false)).ok();
        long capacityBefore = api().get("/v1/cluster").ok().get("capacityBytes").asLong();

        CompletableFuture<Tool.Result> load = inBackground(fioJob(agent.uri(ec), "0", "32M", "3m", true));
        CompletableFuture<Tool.Result> legs = inBackground(fioJob(agent.uri(replicated), "0", "8M", "1m", false));
        startNodes(NEW, n -> startNode(n, "z" + n.substring(1), List.of(), Map.of(), "4GiB"));
        awaitNodesOnline(9);
        assertThat(rebalance().get("spreadPoints").asDouble()).isGreaterThan(5);

        // Mid-rebalance, the controller is killed; started again, it carries on from the replicated state.
        await().atMost(WAIT.multipliedBy(2))
                .until(() -> rebalance().get("moves").asLong() >= 1);
        controllers.get("c1").process().kill();
        startController("c1", CONTROLLER_ARGS);
        await().atMost(WAIT.multipliedBy(4))
                .pollInterval(Duration.ofMillis(500))
                .until(this::balancedAndSettled);
        JsonNode after = rebalance();
        assertThat(after.get("spreadPoints").asDouble()).isLessThanOrEqualTo(5.0);
        List<String> moved = new ArrayList<>(bstoreNodes("ec"));
        moved.addAll(bstoreNodes("cold"));
        moved.retainAll(NEW);
        assertThat(moved).as("BStores on the nodes that joined").isNotEmpty();
        assertThat(api().get("/v1/cluster").ok().get("capacityBytes").asLong()).isGreaterThan(capacityBefore);
        assertNothingLeaked();
        assertThat(load.get(FIO_TIMEOUT.toSeconds(), TimeUnit.SECONDS).exitCode())
                .isZero();
        assertThat(legs.get(FIO_TIMEOUT.toSeconds(), TimeUnit.SECONDS).exitCode())
                .isZero();
        awaitServing(agent, "ec", 6);

        drainAndRemove(agent, ec);
        awaitServing(agent, "ec", 6);
        awaitInSync("vol");
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(ec), "0", "32M", "", true)).ok();
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(replicated), "0", "8M", "", true))
                .ok();
        cli("volume", "attach", "cold", "--host", agent.host()).ok();
        awaitServing(agent, "cold", 6);
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(cold), "0", "32M", "", true)).ok();
        assertNothingLeaked();
    }

    /**
     * An old node holding BStores of the attached volume (and of the detached one, if one does) is
     * drained, fio verifying, and removed.
     */
    private void drainAndRemove(AgentProcess agent, String ec) throws Exception {
        List<String> holding = new ArrayList<>(bstoreNodes("ec"));
        holding.retainAll(OLD);
        List<String> both = new ArrayList<>(holding);
        both.retainAll(bstoreNodes("cold"));
        String drained = both.isEmpty() ? holding.getFirst() : both.getFirst();
        CompletableFuture<Tool.Result> load = inBackground(fioJob(agent.uri(ec), "0", "32M", "2m", true));
        cli("node", "drain", drained, "--wait", "--timeout", "3m").ok();
        await().atMost(WAIT)
                .until(() -> !bstoreNodes("ec").contains(drained)
                        && !bstoreNodes("cold").contains(drained)
                        && api().get("/v1/orphans").ok().isEmpty());
        assertThat(load.get(FIO_TIMEOUT.toSeconds(), TimeUnit.SECONDS).exitCode())
                .isZero();
        // Every BStore of the attached volume moved without a moment with a BStore less: the agent
        // used the old one until it had switched to the new one, never leaving it first.
        assertThat(agent.process().log())
                .contains("dirty regions copied from the old BStore, in use until now")
                .doesNotContain("could not be switched to")
                .doesNotContain("replaced by its rebuilt BStore");
        stopAndRemove(drained);
        nodes.remove(drained);
    }

    /** Every node holds exactly the legs and BStores the volumes name: none left behind by a move. */
    private void assertNothingLeaked() {
        List<String> legs = new ArrayList<>();
        List<String> bstores = new ArrayList<>();
        nodes.values().forEach(n -> {
            legs.addAll(extentsOn(n));
            bstores.addAll(bstoresOn(n));
        });
        List<String> named = new ArrayList<>();
        volume("vol").get("legs").forEach(l -> named.add(l.get("extentId").asText()));
        assertThat(legs).containsExactlyInAnyOrderElementsOf(named);
        List<String> layouts = new ArrayList<>();
        for (String v : List.of("ec", "cold")) {
            for (JsonNode p : volume(v).get("erasure").get("layouts")) {
                p.get("bstores").forEach(b -> layouts.add(b.get("extentId").asText()));
            }
        }
        assertThat(bstores).containsExactlyInAnyOrderElementsOf(layouts);
    }
}
