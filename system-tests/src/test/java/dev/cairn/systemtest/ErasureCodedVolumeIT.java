package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.nbd.client.NbdClient;
import dev.cairn.testkit.AgentProcess;
import dev.cairn.testkit.NodeProcess;
import dev.cairn.testkit.PrometheusText;
import dev.cairn.testkit.Tool;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A 4+2 volume over six nodes, served by a client agent: real NBD clients read back what they
 * wrote; fio verifies through the loss of one node and then a second, and once they return (their
 * BStores caught up while served, from the PStore's bitmap) through the loss of two others that hold data; an
 * agent killed mid-write is replaced on another host, its generation opens no BStore any more, and
 * what it acknowledged survives a BStore lost afterwards, also when a data BStore was already
 * missing while it wrote (the degraded-write log).
 */
class ErasureCodedVolumeIT extends ReplicationFixture {
    private static final long MiB = 1 << 20;

    private void startSixNodes() throws IOException {
        startSixNodes("1GiB");
    }

    private void startSixNodes(String driveSize) throws IOException {
        startNodes(List.of("n1", "n2", "n3", "n4", "n5", "n6"), driveSize);
    }

    /** A controller and {@code names} as nodes, each in its own zone, and a 4+2 class across zones. */
    private void startNodes(List<String> names, String driveSize) throws IOException {
        Tool.require("fio", "fio");
        controllerGroup(1);
        startController("c1");
        startNodes(names, n -> startNode(n, "z" + n.substring(1), List.of(), Map.of(), driveSize));
        awaitNodesOnline(names.size());
        awaitDkvServed();
        // Every node here has the same host label (one machine): a 4+2 class across zones.
        cli("class", "create", "ec-zone", "--ec", "4+2", "--spread-across", "zone")
                .ok();
    }

    @Test
    void qemuIoNbdinfoAndNbdcopyReadBackWhatTheyWroteAndBStoresHoldOneAndAHalfTimesIt() throws Exception {
        Tool.require("qemu-io", "qemu-utils");
        Tool.require("nbdcopy", "libnbd-bin");
        startSixNodes();
        AgentProcess agent = startAgent("h1");
        String id = createAttachedEc("ec", "32MiB", agent);
        String uri = agent.uri(id);

        realClientsRoundTrip(uri, (int) (32 * MiB));

        // Six BStores of a quarter of the volume (and a header) each, one per node: 1.5x plus headers.
        long bstoreBytes = 0;
        int bstores = 0;
        for (NodeProcess n : nodes.values()) {
            for (JsonNode e : n.admin().get("/v1/extents").ok()) {
                if (e.path("kind").asText().equals("bstore")) {
                    bstores++;
                    bstoreBytes += e.get("sizeBytes").asLong();
                }
            }
        }
        assertThat(bstores).isEqualTo(6);
        assertThat(bstoreBytes - 6 * MiB).isEqualTo(3 * 32 * MiB / 2);
        // Nothing the controller takes for an extent it does not know.
        assertThat(api().get("/v1/orphans").ok()).isEmpty();
        // volume show: the PStore's BStores, read from the DKV, one per node.
        String shown = cli("volume", "show", "ec").ok().stdout();
        assertThat(shown).contains("erasure:  4+2, 1 PStore of 32.0 MiB, chunks of 64.0 KiB");
        JsonNode layout = volume("ec").get("erasure").get("layouts").get(0).get("bstores");
        assertThat(layout).hasSize(6);
        assertThat(layout.findValuesAsText("nodeName")).containsExactlyInAnyOrder("n1", "n2", "n3", "n4", "n5", "n6");
        assertThat(layout.findValuesAsText("role")).containsExactly("data", "data", "data", "data", "parity", "parity");
    }

    /**
     * Grown while served: first within its last PStore (whose six BStores their nodes grow in place),
     * then by a new PStore placed as a new volume's; fio's verify passes over the old bytes through
     * both, new NBD connections see each new size, and the new bytes read as zeroes until written.
     */
    @Test
    void aVolumeGrowsWhileServedInItsLastPStoreAndByNewOnes() throws Exception {
        Tool.require("qemu-io", "qemu-utils");
        Tool.require("nbdinfo", "libnbd-bin");
        startSixNodes("4GiB");
        AgentProcess agent = startAgent("h1");
        String id = createAttachedEc("ec", "1040MiB", agent, 2); // a PStore of 1 GiB and one of 16 MiB
        String uri = agent.uri(id);
        Tool.run(FIO_TIMEOUT, fioJob(uri, "1000M", "40M", "", false)).ok();

        CompletableFuture<Tool.Result> load = inBackground(fioJob(uri, "1000M", "40M", "4m", true));
        cli("volume", "resize", "ec", "--size", "1072MiB").ok();
        await().atMost(WAIT).until(() -> exportSize(uri) == 1072 * MiB);
        load.get().ok();
        for (String n : List.of("n1", "n2", "n3", "n4", "n5", "n6")) {
            assertThat(nodes.get(n).process().log())
                    .as("node %s grew its BStore of PStore 1 in place", n)
                    .containsPattern("grew extent \\S+ from \\d+ to \\d+ bytes");
        }
        Tool.run(FIO_TIMEOUT, "qemu-io", "-f", "raw", "-c", "read -P 0 1040M 32M", uri)
                .ok();
        Tool.run(FIO_TIMEOUT, fioJob(uri, "1040M", "32M", "", false)).ok();

        load = inBackground(fioJob(uri, "1000M", "72M", "4m", true));
        Tool.Result grown = cli("volume", "resize", "ec", "--size", "2100MiB").ok();
        assertThat(grown.stdout()).contains("volume ec is 2.1 GiB");
        await().atMost(WAIT).until(() -> exportSize(uri) == 2100 * MiB);
        load.get().ok();
        Tool.run(FIO_TIMEOUT, "qemu-io", "-f", "raw", "-c", "read -P 0 2048M 52M", uri)
                .ok();
        Tool.run(FIO_TIMEOUT, fioJob(uri, "2040M", "60M", "", false)).ok();
        String shown = cli("volume", "show", "ec").ok().stdout();
        assertThat(shown).contains("erasure:  4+2, 3 PStores of 1.0 GiB");
        assertThat(volume("ec").get("erasure").get("layouts")).hasSize(3);
        assertThat(api().get("/v1/orphans").ok()).isEmpty();

        // Attached again: the grown layout, every byte where it was.
        cli("volume", "detach", "ec").ok();
        cli("volume", "attach", "ec", "--host", agent.host()).ok();
        awaitServing(agent, "ec", 18);
        assertThat(exportSize(uri)).isEqualTo(2100 * MiB);
        Tool.run(FIO_TIMEOUT, fioJob(uri, "1000M", "72M", "", true)).ok();
        Tool.run(FIO_TIMEOUT, fioJob(uri, "2040M", "60M", "", true)).ok();
    }

    /**
     * A node holding BStores of an attached volume (fio verifying) and of a detached one is drained:
     * each BStore moves to the node that held none of its PStore (the attached one's kept in use
     * meanwhile, the detached one's copied as it is), the node is removed, and both volumes read
     * back what was written.
     */
    @Test
    void aDrainedNodesBStoresMoveOffItWhileFioVerifiesAndTheNodeIsRemoved() throws Exception {
        startNodes(List.of("n1", "n2", "n3", "n4", "n5", "n6", "n7"), "1GiB");
        AgentProcess agent = startAgent("h1");
        String id = createAttachedEc("ec", "32MiB", agent);
        String detached = createAttachedEc("cold", "32MiB", agent);
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(detached), "0", "32M", "", false))
                .ok();
        cli("volume", "detach", "cold").ok();
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "0", "16M", "", false)).ok();
        // A node holding a BStore of both (six of seven nodes each: at least five in common).
        List<String> both = new ArrayList<>(bstoreNodes("ec"));
        both.retainAll(bstoreNodes("cold"));
        String drained = both.getFirst();

        CompletableFuture<Tool.Result> load = inBackground(fioJob(agent.uri(id), "0", "16M", "2m", true));
        Tool.Result drain =
                cli("node", "drain", drained, "--wait", "--timeout", "3m").ok();
        assertThat(drain.stdout()).contains("BStores of 2 erasure-coded volumes left");
        await().atMost(WAIT)
                .until(() -> !bstoreNodes("ec").contains(drained)
                        && !bstoreNodes("cold").contains(drained)
                        && api().get("/v1/orphans").ok().isEmpty());
        Tool.Result r = load.get(FIO_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.describe()).isZero();
        awaitServing(agent, "ec", 6);
        assertThat(bstoreNodes("ec")).hasSize(6).doesNotHaveDuplicates().doesNotContain(drained);
        stopAndRemove(drained);

        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "0", "16M", "", true)).ok();
        cli("volume", "attach", "cold", "--host", agent.host()).ok();
        awaitServing(agent, "cold", 6);
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(detached), "0", "32M", "", true)).ok();
    }

    @Test
    void fioVerifiesThroughTwoLostNodesAndAgainAfterTheyReturnAndTwoOthersAreLost() throws Exception {
        startSixNodes();
        AgentProcess agent = startAgent("h1");
        String id = createAttachedEc("ec", "64MiB", agent);

        CompletableFuture<Tool.Result> fio = inBackground(fioJob(agent.uri(id), "0", "24M", "3m", false));
        await().atMost(WAIT).until(() -> dirtyRegions(agent, "ec") > 0);
        nodes.get("n2").process().kill();
        awaitServing(agent, "ec", 5);
        nodes.get("n5").process().kill();
        Tool.Result r = fio.get(FIO_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.describe()).isZero();
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "0", "24M", "", true)).ok();

        // They return (before the class's repair timeout): their BStores rejoin while the volume is
        // served, caught up on the regions written meanwhile only.
        startNodes(List.of("n2", "n5"), n -> startNode(n, "z" + n.substring(1)));
        awaitNodesOnline(6);
        awaitServing(agent, "ec", 6);
        // The counter follows the member's state (a rejoin is counted once its catch-up returned):
        // a scrape right after the second member is served may come before it.
        await().atMost(WAIT)
                .until(() -> PrometheusText.scrape(agent.metricsUrl())
                                .sum("cairn_agent_ec_members_rejoined_total", "name", "ec")
                        >= 2);
        PrometheusText metrics = PrometheusText.scrape(agent.metricsUrl());
        assertThat(metrics.sum("cairn_agent_ec_members_rejoined_total", "name", "ec"))
                .isEqualTo(2);
        assertThat(metrics.sum("cairn_agent_ec_regions_repaired_total", "name", "ec"))
                .as("the regions written while two nodes were gone")
                .isPositive();
        // Two data BStores' nodes other than the two that returned: every read of the lost chunks
        // now rebuilds them from the four others, the two caught up among them.
        List<String> lost = new ArrayList<>();
        for (JsonNode b : volume("ec").get("erasure").get("layouts").get(0).get("bstores")) {
            String node = b.get("nodeName").asText();
            if (b.get("role").asText().equals("data") && !node.equals("n2") && !node.equals("n5") && lost.size() < 2) {
                lost.add(node);
            }
        }
        lost.forEach(n -> nodes.get(n).process().kill());
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "0", "24M", "", true)).ok();
        assertThat(PrometheusText.scrape(agent.metricsUrl()).sum("cairn_agent_ec_rows_rebuilt_total", "name", "ec"))
                .as("rows read degraded")
                .isPositive();
    }

    @Test
    void anAgentKilledMidWriteIsReplacedElsewhereAndAcknowledgedWritesSurviveALaterLoss() throws Exception {
        startSixNodes();
        AgentProcess first = startAgent("h1");
        AgentProcess second = startAgent("h2");
        String id = createAttachedEc("ec", "64MiB", first);
        Tool.run(FIO_TIMEOUT, fioJob(first.uri(id), "0", "8M", "", false)).ok();
        JsonNode oldView = controllers
                .get("c1")
                .client("node")
                .get("/v1/internal/agents/h1/desired")
                .ok();
        JsonNode bstore = oldView.get("volumes")
                .get(0)
                .get("erasure")
                .get("pstores")
                .get(0)
                .get(0);
        long oldGeneration = oldView.get("volumes").get(0).get("generation").asLong();

        killMidWrite(first, id, () -> dirtyRegions(first, "ec") > 0);

        cli("volume", "attach", "ec", "--host", "h2", "--force").ok();
        awaitServing(second, "ec", 6);
        // The old generation opens no BStore any more.
        String oldExport = bstore.get("extentId").asText() + ";gen=" + oldGeneration + ";key="
                + bstore.get("secret").asText();
        assertThatThrownBy(
                        () -> NbdClient.connect(address(bstore.get("nbdAddress").asText()), oldExport))
                .hasMessageContaining("generation");
        // A data BStore lost after the crash is rebuilt from the rows the attach made consistent.
        JsonNode layout = volume("ec").get("erasure").get("layouts").get(0).get("bstores");
        nodes.get(layout.get(0).get("nodeName").asText()).process().kill();
        Tool.run(FIO_TIMEOUT, fioJob(second.uri(id), "0", "8M", "", true)).ok();
    }

    /**
     * The write hole while degraded: the agent dies mid-write while a data BStore is missing, and
     * after the attach elsewhere a second data BStore is lost. The dying job writes again exactly
     * what an acknowledged job wrote before it (the same seed, offsets and bytes), so whatever
     * landed, every block must read back as fio wrote it: a row rebuilt from torn parity would not.
     */
    @Test
    void anAgentKilledMidWriteWhileADataBStoreIsMissingLeavesNoRowALaterLossRebuildsWrong() throws Exception {
        startSixNodes();
        AgentProcess first = startAgent("h1");
        AgentProcess second = startAgent("h2");
        String id = createAttachedEc("ec", "64MiB", first);
        Tool.run(FIO_TIMEOUT, fioJob(first.uri(id), "16M", "16M", "", false)).ok();
        JsonNode layout = volume("ec").get("erasure").get("layouts").get(0).get("bstores");
        nodes.get(layout.get(1).get("nodeName").asText()).process().kill();

        killMidWrite(
                first,
                id,
                () -> PrometheusText.scrape(first.metricsUrl())
                                .sum("cairn_agent_ec_degraded_writes_logged_total", "name", "ec")
                        > 64);

        cli("volume", "attach", "ec", "--host", "h2", "--force").ok();
        awaitServing(second, "ec", 5);
        assertThat(PrometheusText.scrape(second.metricsUrl())
                        .sum("cairn_agent_ec_rows_repaired_from_log_total", "name", "ec"))
                .as("rows the dying agent logged, repaired from the log")
                .isPositive();
        nodes.get(layout.get(0).get("nodeName").asText()).process().kill();
        Tool.run(FIO_TIMEOUT, fioJob(second.uri(id), "16M", "16M", "", true)).ok();
    }

    /**
     * Runs fio's random writes over 16..32 MiB of the volume at 4 MB/s through {@code agent} and
     * kills the agent once {@code midWrite} holds; fio exits once its agent is gone (or is stopped
     * after 30 s: its nbd engine may keep polling).
     */
    private static void killMidWrite(AgentProcess agent, String id, Callable<Boolean> midWrite) throws Exception {
        List<String> job = fioJob(agent.uri(id), "16M", "16M", "4m", false);
        Duration limit = Duration.ofSeconds(30);
        CompletableFuture<Tool.Result> dying = CompletableFuture.supplyAsync(() -> Tool.run(limit, job));
        await().atMost(WAIT).until(midWrite);
        agent.process().kill();
        dying.handle((result, failed) -> result).get(limit.toSeconds() * 2, TimeUnit.SECONDS);
    }

    private static double dirtyRegions(AgentProcess agent, String name) throws IOException {
        return PrometheusText.scrape(agent.metricsUrl()).sum("cairn_agent_volume_dirty_regions", "name", name);
    }
}
