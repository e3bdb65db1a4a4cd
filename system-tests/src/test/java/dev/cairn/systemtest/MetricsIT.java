package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.testkit.AgentProcess;
import dev.cairn.testkit.NodeProcess;
import dev.cairn.testkit.PrometheusText;
import dev.cairn.testkit.Tool;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every daemon's {@code /metrics} (URL from its ready file) after a known workload through the
 * agent: qemu-io writes 4 MiB and reads 1 MiB back from a 3-replica volume. The agent counts
 * exactly that; each node took the 4 MiB plus a few write-intent bitmap pages; the reads went to
 * one node; the controller leads and counts the volume healthy.
 */
class MetricsIT extends ReplicationFixture {
    private static final long MiB = 1 << 20;
    /**
     * What a leg may take beyond the client's data: the write-intent bitmap page (4 KiB, FUA)
     * written before the first write to a clean region, and written again when a sweep clears the
     * bits. The 4 MiB write dirties 4 regions whose bits share one page: 4 KiB (as measured), 8 KiB
     * if a sweep runs before the scrape. 16 pages leave room for a sweep splitting the write, and
     * still fail on any copy of the data (a resync would add 1 MiB per region).
     */
    private static final long BITMAP_ALLOWANCE = 16 * 4096;

    @Test
    void everyDaemonCountsTheWorkloadItSaw() throws Exception {
        Tool.require("qemu-io", "qemu-utils");
        startCluster();
        AgentProcess agent = startAgent("h1");
        String id = createAttached("vol", "32MiB", "h1");
        String[] vol = {"volume", id};

        awaitDkvServed();
        PrometheusText agentBefore = PrometheusText.scrape(agent.metricsUrl());
        Map<String, PrometheusText> nodesBefore = new LinkedHashMap<>();
        nodes.forEach((name, n) -> nodesBefore.put(name, PrometheusText.scrape(n.metricsUrl())));

        Tool.run(
                        FIO_TIMEOUT,
                        "qemu-io",
                        "-f",
                        "raw",
                        "-c",
                        "write -P 0x5a 0 4M",
                        "-c",
                        "read -P 0x5a 0 1M",
                        agent.uri(id))
                .ok();

        PrometheusText agentAfter = PrometheusText.scrape(agent.metricsUrl());
        assertThat(delta(agentBefore, agentAfter, "cairn_agent_volume_written_bytes_total", vol))
                .isEqualTo(4 * MiB);
        assertThat(delta(agentBefore, agentAfter, "cairn_agent_volume_read_bytes_total", vol))
                .isEqualTo(1 * MiB);
        double writes =
                delta(agentBefore, agentAfter, "cairn_agent_volume_requests_total", "volume", id, "op", "write");
        double reads = delta(agentBefore, agentAfter, "cairn_agent_volume_requests_total", "volume", id, "op", "read");
        assertThat(writes)
                .as("one request each: the agent's export takes up to 32 MiB")
                .isEqualTo(1);
        assertThat(reads).isEqualTo(1);
        String latency = "cairn_agent_volume_request_duration_seconds_count";
        assertThat(delta(agentBefore, agentAfter, latency, "volume", id, "op", "write"))
                .isEqualTo(writes);
        assertThat(delta(agentBefore, agentAfter, latency, "volume", id, "op", "read"))
                .isEqualTo(reads);
        assertThat(agentAfter.find("cairn_agent_volume_errors_total", vol)).isEmpty();
        assertThat(agentAfter.value("cairn_agent_volume_legs", "volume", id, "state", "IN_SYNC"))
                .isEqualTo(3);
        assertThat(agentAfter.value("cairn_agent_volumes_attached")).isEqualTo(1);

        double nodeReads = 0;
        for (Map.Entry<String, NodeProcess> n : nodes.entrySet()) {
            PrometheusText after = PrometheusText.scrape(n.getValue().metricsUrl());
            PrometheusText before = nodesBefore.get(n.getKey());
            assertThat(delta(before, after, "cairn_node_nbd_written_bytes_total"))
                    .as("node %s took the data and a few bitmap pages", n.getKey())
                    .isBetween(4.0 * MiB, 4.0 * MiB + BITMAP_ALLOWANCE);
            assertThat(after.value("cairn_node_extents", "state", "active", "kind", "data"))
                    .isEqualTo(1);
            assertThat(after.value("cairn_node_extents", "state", "active", "kind", "kv"))
                    .as("three nodes hold the three mirrors of the DKV's first shard")
                    .isEqualTo(1);
            nodeReads += delta(before, after, "cairn_node_nbd_read_bytes_total");
        }
        assertThat(nodeReads).as("the read went to one leg").isEqualTo(1 * MiB);

        String controller = controllers.get("c1").metricsUrl();
        await().atMost(WAIT).untilAsserted(() -> {
            PrometheusText c = PrometheusText.scrape(controller);
            assertThat(c.value("cairn_controller_raft_leader")).isEqualTo(1);
            assertThat(c.value("cairn_controller_nodes", "state", "online")).isEqualTo(3);
            assertThat(c.value("cairn_controller_volumes", "health", "HEALTHY")).isEqualTo(1);
            assertThat(c.value("cairn_controller_volumes", "health", "DEGRADED"))
                    .isZero();
        });

        cli("volume", "detach", "vol").ok();
        await().atMost(WAIT)
                .until(() -> PrometheusText.scrape(agent.metricsUrl())
                        .find("cairn_agent_volume_legs", vol)
                        .isEmpty());
        assertThat(PrometheusText.scrape(agent.metricsUrl()).value("cairn_agent_volumes_attached"))
                .isZero();
    }

    private static double delta(PrometheusText before, PrometheusText after, String name, String... labels) {
        return after.value(name, labels) - before.value(name, labels);
    }
}
