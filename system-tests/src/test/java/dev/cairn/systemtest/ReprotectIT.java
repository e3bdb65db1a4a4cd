package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.testkit.AgentProcess;
import dev.cairn.testkit.CairnProcess;
import dev.cairn.testkit.PrometheusText;
import dev.cairn.testkit.Tool;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Reprotect with real processes: a 4+2 volume over eight nodes in eight zones (room for two
 * rebuilt BStores), a class with a short repair timeout. Nodes holding BStores are killed; after
 * the timeout their BStores are rebuilt by other nodes from the survivors, the layouts name the new
 * ones, the agent catches them up online, and the volume again survives two more losses, with fio
 * verifying throughout; the old BStores are erased when their nodes return. Every step of a
 * reprotect carries on after its process halts there (a crash point) and is started again.
 */
class ReprotectIT extends ReplicationFixture {
    /** The exit status of a daemon halted at a crash point (CrashPoints.EXIT). */
    private static final int HALTED = 86;

    private static final List<String> CONTROLLER_ARGS = List.of("--offline-after", "3s", "--election-timeout", "500ms");

    private void startEightNodes(Map<String, String> controllerEnv) throws IOException {
        Tool.require("fio", "fio");
        controllerGroup(1);
        startController("c1", CONTROLLER_ARGS, controllerEnv);
        List<String> names = List.of("n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8");
        startNodes(names, n -> startNode(n, "z" + n.substring(1)));
        awaitNodesOnline(8);
        awaitDkvServed();
        cli("class", "create", "ec-zone", "--ec", "4+2", "--spread-across", "zone", "--repair-timeout", "2s")
                .ok();
    }

    /** The BStores of the volume's first PStore, in member order, as {@code volume show} lists them. */
    private JsonNode bstores(String name) {
        return volume(name).get("erasure").get("layouts").get(0).get("bstores");
    }

    /** Waits until every BStore of the volume is on a node other than {@code lost}; the layout then. */
    private JsonNode awaitRebuiltAway(String name, Set<String> lost) {
        await().atMost(WAIT.multipliedBy(2)).until(() -> {
            if (volume(name).get("erasure").get("layouts").isEmpty()) {
                return false; // a controller just started reads them from the DKV once it answers
            }
            Set<String> on = new HashSet<>(bstores(name).findValuesAsText("nodeName"));
            return on.size() == 6 && on.stream().noneMatch(lost::contains);
        });
        return bstores(name);
    }

    @Test
    void lostBStoresAreRebuiltElsewhereWhileFioVerifiesAndTheVolumeSurvivesTwoMoreLosses() throws Exception {
        startEightNodes(Map.of());
        AgentProcess agent = startAgent("h1");
        String id = createAttachedEc("ec", "64MiB", agent);
        JsonNode before = bstores("ec");
        String dataNode = before.get(0).get("nodeName").asText();
        String parityNode = before.get(4).get("nodeName").asText();
        List<String> oldExtents = List.of(
                before.get(0).get("extentId").asText(),
                before.get(4).get("extentId").asText());

        CompletableFuture<Tool.Result> fio = inBackground(fioJob(agent.uri(id), "0", "16M", "1m", false));
        await().atMost(WAIT).until(() -> dirtyRegions(agent, "ec") > 0);
        nodes.get(dataNode).process().kill();
        nodes.get(parityNode).process().kill();

        // After the repair timeout other nodes rebuild both, and the agent takes them in.
        JsonNode after = awaitRebuiltAway("ec", Set.of(dataNode, parityNode));
        awaitServing(agent, "ec", 6);
        Tool.Result r = fio.get(FIO_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.describe()).isZero();
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "0", "16M", "", true)).ok();
        PrometheusText controller = PrometheusText.scrape(controllers.get("c1").metricsUrl());
        assertThat(controller.sum("cairn_controller_reprotect_rebuilt_total")).isEqualTo(2);
        assertThat(controller.sum("cairn_controller_reprotect_rebuilt_bytes_total"))
                .isGreaterThanOrEqualTo(2 * 16.0 * (1 << 20));

        // Full redundancy again: two more lost data BStores, and every write still reads back.
        List<String> more = new ArrayList<>();
        for (int i = 1; i <= 2; i++) {
            more.add(after.get(i).get("nodeName").asText());
        }
        more.forEach(n -> nodes.get(n).process().kill());
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "0", "16M", "", true)).ok();
        // Its health says so: two of its nodes offline (and, with four nodes of eight gone, no room
        // to rebuild them: the reprotect waits).
        await().atMost(WAIT)
                .until(() -> volume("ec")
                        .get("problems")
                        .toString()
                        .contains("node " + more.getFirst() + " (holding its BStores) is offline"));
        assertThat(volume("ec").get("health").asText()).isEqualTo("DEGRADED");

        // The first two return: their old BStores are orphans now, erased.
        startNodes(List.of(dataNode, parityNode), n -> startNode(n, "z" + n.substring(1)));
        await().atMost(WAIT)
                .until(() -> bstoresOn(nodes.get(dataNode)).stream().noneMatch(oldExtents::contains)
                        && bstoresOn(nodes.get(parityNode)).stream().noneMatch(oldExtents::contains));
    }

    /**
     * Every step of a reprotect survives its process halting right there: the controller right after
     * logging the rebuild, the rebuilding node halfway and once filled, the controller between the
     * rebuilt layout's DKV write and its log entry. Each is started again and the reprotect ends;
     * nothing is left behind.
     */
    @Test
    void everyStepOfAReprotectCarriesOnAfterItsProcessHaltsThere() throws Exception {
        startEightNodes(Map.of("CAIRN_CRASH_AT", "reprotect-started"));
        AgentProcess agent = startAgent("h1");
        String id = createAttachedEc("ec", "64MiB", agent);
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "0", "16M", "", false)).ok();
        JsonNode before = bstores("ec");
        Set<String> holding = new HashSet<>(before.findValuesAsText("nodeName"));
        List<String> spare =
                nodes.keySet().stream().filter(n -> !holding.contains(n)).toList();
        restartNodes(spare, "node.rebuild-halfway");
        awaitNodesOnline(8);
        String lost = before.get(1).get("nodeName").asText();
        nodes.get(lost).process().kill();

        // Halted right after logging the rebuild; started again, it goes on from the log.
        awaitHalted(controllers.get("c1").process());
        restartController("reprotect-layout-written");
        // The rebuilding node halts halfway, then once the BStore is filled; each time it starts over.
        String rebuilder = awaitHaltedAmong(spare);
        restartNodes(List.of(rebuilder), "node.rebuild-filled");
        awaitHalted(nodes.get(rebuilder).process());
        restartNodes(List.of(rebuilder), "");
        // Halted between the rebuilt layout's DKV write and its log entry; it writes it again.
        awaitHalted(controllers.get("c1").process());
        restartController("");
        awaitRebuiltAway("ec", Set.of(lost));
        awaitServing(agent, "ec", 6);
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "0", "16M", "", true)).ok();
        // The lost node returns: its old BStore is erased, and nothing is left behind: every BStore
        // a node holds is one the layout names, once.
        startNodes(List.of(lost), n -> startNode(n, "z" + n.substring(1)));
        await().atMost(WAIT).until(() -> api().get("/v1/orphans").ok().isEmpty());
        List<String> held = new ArrayList<>();
        nodes.values().forEach(n -> held.addAll(bstoresOn(n)));
        assertThat(held).containsExactlyInAnyOrderElementsOf(bstores("ec").findValuesAsText("extentId"));
    }

    /** Stops (if running) and starts nodes {@code names} on their drives, halting at {@code crashAt} if set. */
    private void restartNodes(List<String> names, String crashAt) throws IOException {
        for (String n : names) {
            if (nodes.get(n).process().isAlive()) {
                nodes.get(n).process().stop();
            }
        }
        Map<String, String> env = crashAt.isEmpty() ? Map.of() : Map.of("CAIRN_CRASH_AT", crashAt);
        startNodes(names, n -> startNode(n, "z" + n.substring(1), List.of(), env));
    }

    private void restartController(String crashAt) throws IOException {
        if (controllers.get("c1").process().isAlive()) {
            controllers.get("c1").process().stop();
        }
        startController("c1", CONTROLLER_ARGS, crashAt.isEmpty() ? Map.of() : Map.of("CAIRN_CRASH_AT", crashAt));
    }

    /** The one of {@code names} whose node halts (at its crash point). */
    private String awaitHaltedAmong(List<String> names) {
        await().atMost(WAIT.multipliedBy(2))
                .until(() ->
                        names.stream().anyMatch(n -> !nodes.get(n).process().isAlive()));
        String halted = names.stream()
                .filter(n -> !nodes.get(n).process().isAlive())
                .findFirst()
                .orElseThrow();
        awaitHalted(nodes.get(halted).process());
        return halted;
    }

    private static void awaitHalted(CairnProcess p) {
        assertThat(p.waitFor(WAIT.multipliedBy(2))).as(p.log()).isEqualTo(HALTED);
        assertThat(p.log()).contains("crash point");
    }

    private static double dirtyRegions(AgentProcess agent, String name) throws IOException {
        return PrometheusText.scrape(agent.metricsUrl()).sum("cairn_agent_volume_dirty_regions", "name", name);
    }
}
