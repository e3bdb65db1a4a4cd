package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.testkit.AdminHttp;
import dev.cairn.testkit.ControllerProcess;
import dev.cairn.testkit.PrometheusText;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Three controller peers: the cluster keeps serving after its leader is killed (SIGKILL). */
class ControllerFailoverIT extends ClusterFixture {

    private ControllerProcess leader() {
        await().atMost(WAIT)
                .until(() -> controllers.values().stream()
                                .filter(c -> c.process().isAlive() && c.isLeader())
                                .count()
                        == 1);
        return controllers.values().stream()
                .filter(c -> c.process().isAlive() && c.isLeader())
                .findFirst()
                .orElseThrow();
    }

    /** How long the log is watched for entries that should not be there. */
    private static final Duration QUIET = Duration.ofSeconds(6);

    private static long appliedIndex(ControllerProcess c) {
        return (long) PrometheusText.scrape(c.metricsUrl()).value("cairn_controller_raft_applied_index");
    }

    @Test
    void aThreePeerControllerKeepsServingAfterItsLeaderIsKilled() throws Exception {
        controllerGroup(3);
        for (String id : List.of("c1", "c2", "c3")) {
            startController(id);
        }
        // The nodes talk to a follower: their heartbeats that change nothing reach the leader, which
        // judges them, outside the log.
        ControllerProcess leading = leader();
        nodesAskFirst = controllers.keySet().stream()
                .filter(id -> !id.equals(leading.peerId()))
                .findFirst()
                .orElseThrow();
        startNodes(List.of("node-a", "node-b", "node-c"), n -> startNode(n, n.substring("node-".length())));
        awaitNodesOnline(3);
        // Once the nodes' first reports are in, the log stays still for a while: three nodes
        // heartbeating every second would add about 3 entries a second to it, were they logged.
        AtomicLong last = new AtomicLong(appliedIndex(leading));
        await().atMost(WAIT).pollDelay(QUIET).pollInterval(QUIET).until(() -> {
            long now = appliedIndex(leading);
            return now - last.getAndSet(now) <= 2;
        });
        assertThat(leading.isLeader()).isTrue();
        assertThat(cliJson("cluster", "status").get("nodesOnline").asInt()).isEqualTo(3);
        cli("volume", "create", "before", "--size", "32MiB", "--class", "zone-3")
                .ok();

        ControllerProcess first = leader();
        first.process().kill();

        ControllerProcess second = leader();
        assertThat(second.peerId()).isNotEqualTo(first.peerId());
        // The CLI is given every peer; it finds the ones still up.
        cli("volume", "create", "after", "--size", "32MiB", "--class", "zone-3").ok();
        for (ControllerProcess c : controllers.values()) {
            if (c.process().isAlive()) {
                JsonNode volumes = c.client("read").get("/v1/volumes").ok();
                assertThat(volumes.findValuesAsText("name")).containsExactlyInAnyOrder("before", "after");
                volumes.forEach(v -> assertThat(v.get("state").asText()).isEqualTo("AVAILABLE"));
            }
        }
        JsonNode status = cliJson("cluster", "status");
        assertThat(status.get("peers").findValuesAsText("id")).containsExactly("c1", "c2", "c3");
        assertThat(status.get("nodesOnline").asInt()).isEqualTo(3);

        // The killed peer comes back, catches up, and serves the same state. Until the leader
        // reaches it again (its connection to the dead peer backs off), it cannot make a read
        // barrier and answers 503, which clients take as "ask another peer"; nothing else is allowed.
        ControllerProcess back = startController(first.peerId());
        await().atMost(WAIT).until(() -> {
            AdminHttp.Response r = back.client("read").get("/v1/volumes");
            return r.status() != 503 && r.ok().size() == 2;
        });
    }
}
