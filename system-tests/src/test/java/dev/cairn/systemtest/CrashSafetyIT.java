package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.testkit.AgentProcess;
import dev.cairn.testkit.CairnProcess;
import dev.cairn.testkit.NodeProcess;
import dev.cairn.testkit.Tool;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every step of a repair, a drain and an orphan's erasure survives its process being killed right
 * there: the controller, the agent or a node halts at a named step ({@code CAIRN_CRASH_AT}, as dead
 * as after SIGKILL), is started again, and the operation completes; afterwards no extent is leaked
 * or held twice, no live leg was erased, and every acknowledged write reads back (fio's crc32c).
 */
class CrashSafetyIT extends SelfHealingFixture {
    /** The exit status of a daemon halted at a crash point (CrashPoints.EXIT). */
    private static final int HALTED = 86;

    private String id;
    private AgentProcess agent;

    private void clusterWithWrittenVolume() throws Exception {
        startSixNodes(List.of());
        agent = startAgent("h1");
        id = createAttached("vol", "64MiB", "h1", CLASS);
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "0", "16M", "", false)).ok();
    }

    private static Map<String, String> crashAt(String step) {
        return Map.of("CAIRN_CRASH_AT", step);
    }

    private static void awaitHalted(CairnProcess p) {
        assertThat(p.waitFor(WAIT.multipliedBy(2))).as(p.log()).isEqualTo(HALTED);
        assertThat(p.log()).contains("crash point");
    }

    /** Every live node holds exactly the legs the controller places on it: nothing leaked, nothing twice. */
    private void awaitEveryExtentAccountedFor() {
        await().atMost(WAIT).until(() -> {
            Map<String, Set<String>> wanted = new HashMap<>();
            for (JsonNode v : api().get("/v1/volumes").ok()) {
                for (JsonNode l : v.get("legs")) {
                    wanted.computeIfAbsent(l.get("nodeId").asText(), n -> new HashSet<>())
                            .add(l.get("extentId").asText());
                }
            }
            List<String> held = new ArrayList<>();
            for (NodeProcess n : nodes.values()) {
                if (!n.process().isAlive()) {
                    continue;
                }
                List<String> on = extentsOn(n);
                held.addAll(on);
                if (!new HashSet<>(on).equals(wanted.getOrDefault(n.nodeId(), Set.of()))) {
                    return false;
                }
            }
            return held.size() == new HashSet<>(held).size();
        });
    }

    private void assertDataIntact() throws Exception {
        List<String> sums = legChecksums("h1", id);
        assertThat(sums).hasSize(3).containsOnly(sums.getFirst());
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "0", "16M", "", true)).ok();
    }

    @Test
    void theControllerKilledRightAfterPlacingARepairCarriesOnWhenRestarted() throws Exception {
        clusterWithWrittenVolume();
        restartController(crashAt("controller.leg-replaced"));
        String victim = nodeOfLeg("vol", 1);
        nodes.get(victim).process().kill();
        awaitHalted(controllers.get("c1").process());

        restartController(Map.of());
        awaitHealthy("vol");
        assertThat(nodeOfLeg("vol", 3)).as("the replacement").isNotEqualTo(victim);
        startProxiedNode(victim, zoneOf(victim));
        awaitEveryExtentAccountedFor();
        assertThat(api().get("/v1/orphans").ok()).isEmpty();
        assertDataIntact();
    }

    @Test
    void theControllerKilledWhenADrainRetiresALegCarriesOnWhenRestarted() throws Exception {
        clusterWithWrittenVolume();
        String drained = nodeOfLeg("vol", 0);
        restartController(crashAt("controller.leg-retired"));
        cli("node", "drain", nodes.get(drained).nodeId()).ok();
        awaitHalted(controllers.get("c1").process());

        restartController(Map.of());
        awaitHealthy("vol");
        assertThat(volume("vol").get("legs").findValuesAsText("nodeId"))
                .doesNotContain(nodes.get(drained).nodeId());
        awaitEveryExtentAccountedFor();
        assertDataIntact();
    }

    @Test
    void theAgentKilledHalfwayThroughANewLegsSyncGoesOnWithItWhenRestarted() throws Exception {
        clusterWithWrittenVolume();
        agents.remove("h1").process().stop();
        agent = startAgent("h1", crashAt("agent.sync-halfway"));
        // The restarted agent's own view: the controller still has the stopped agent's last report.
        awaitServedInSync(agent, "vol", 3);
        String victim = nodeOfLeg("vol", 2);
        nodes.get(victim).process().kill();
        awaitHalted(agent.process());

        agents.remove("h1");
        agent = startAgent("h1");
        awaitHealthy("vol");
        startProxiedNode(victim, zoneOf(victim));
        awaitEveryExtentAccountedFor();
        assertDataIntact();
    }

    @Test
    void aNodeKilledWhileErasingAnOrphanFinishesTheErasureWhenRestarted() throws Exception {
        clusterWithWrittenVolume();
        String victim = nodeOfLeg("vol", 1);
        awaitDkvServed();
        long freeBefore = freeForLegs(victim);
        nodes.get(victim).process().kill();
        awaitHealthy("vol");

        NodeProcess returning = startProxiedNode(victim, zoneOf(victim), crashAt("node.extent-erasing"));
        awaitHalted(returning.process());
        startProxiedNode(victim, zoneOf(victim));
        awaitEveryExtentAccountedFor();
        await().atMost(WAIT).until(() -> api().get("/v1/orphans").ok().isEmpty());
        await().atMost(WAIT).until(() -> freeForLegs(victim) > freeBefore);
        assertDataIntact();
    }

    @Test
    void theControllerKilledRightAfterRemovingOrAddingALegCarriesOnWhenRestarted() throws Exception {
        clusterWithWrittenVolume();
        restartController(crashAt("controller.replica-removed"));
        cli("volume", "remove-replica", "vol", "2", "--force");
        awaitHalted(controllers.get("c1").process());
        restartController(Map.of());
        await().atMost(WAIT).until(() -> volume("vol").get("health").asText().equals("DEGRADED_BY_INTENT"));
        awaitEveryExtentAccountedFor();

        restartController(crashAt("controller.replica-added"));
        cli("volume", "add-replica", "vol");
        awaitHalted(controllers.get("c1").process());
        restartController(Map.of());
        awaitHealthy("vol");
        awaitEveryExtentAccountedFor();
        assertThat(api().get("/v1/orphans").ok()).isEmpty();
        assertDataIntact();
    }

    @Test
    void theAgentKilledAfterCopyingButBeforeTheNewLegJoinsCopiesItAgainWhenRestarted() throws Exception {
        clusterWithWrittenVolume();
        agents.remove("h1").process().stop();
        agent = startAgent("h1", crashAt("agent.sync-copied"));
        awaitInSync("vol");
        cli("volume", "remove-replica", "vol", "2", "--force").ok();
        cli("volume", "add-replica", "vol").ok();
        awaitHalted(agent.process());

        agents.remove("h1");
        agent = startAgent("h1");
        awaitHealthy("vol");
        awaitEveryExtentAccountedFor();
        assertDataIntact();
    }
}
