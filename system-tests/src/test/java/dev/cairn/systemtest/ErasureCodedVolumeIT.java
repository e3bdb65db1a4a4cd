package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.testkit.AgentProcess;
import dev.cairn.testkit.NodeProcess;
import dev.cairn.testkit.PrometheusText;
import dev.cairn.testkit.Tool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A 4+2 volume over six nodes, served by a client agent: real NBD clients read back what they
 * wrote, fio verifies through the loss of one node and then a second, and once they return (caught
 * up on the next attach from the PStore's bitmap) through the loss of two others.
 */
class ErasureCodedVolumeIT extends ReplicationFixture {
    private static final long MiB = 1 << 20;

    private void startSixNodes() throws IOException {
        Tool.require("fio", "fio");
        controllerGroup(1);
        startController("c1");
        List<String> names = List.of("n1", "n2", "n3", "n4", "n5", "n6");
        startNodes(names, n -> startNode(n, "z" + n.substring(1)));
        awaitNodesOnline(6);
        awaitDkvServed();
        // Every node here has the same host label (one machine): a 4+2 class across zones.
        cli("class", "create", "ec-zone", "--ec", "4+2", "--spread-across", "zone")
                .ok();
    }

    /** Creates a 4+2 volume across zones, waits until its layouts are stored, attaches it to {@code host}; its id. */
    private String createAttachedEc(String name, String size, AgentProcess agent) {
        cli("volume", "create", name, "--size", size, "--class", "ec-zone").ok();
        await().atMost(WAIT).until(() -> volume(name).get("state").asText().equals("AVAILABLE"));
        cli("volume", "attach", name, "--host", agent.host()).ok();
        awaitServing(agent, name, 6);
        return volume(name).get("id").asText();
    }

    /** Waits until {@code agent} serves the volume with {@code usable} BStores in sync. */
    private static void awaitServing(AgentProcess agent, String name, int usable) {
        await().atMost(WAIT)
                .until(() -> PrometheusText.scrape(agent.metricsUrl())
                                .sum("cairn_agent_volume_legs", "name", name, "state", "IN_SYNC")
                        == usable);
    }

    @Test
    void qemuIoNbdinfoAndNbdcopyReadBackWhatTheyWroteAndBStoresHoldOneAndAHalfTimesIt() throws Exception {
        Tool.require("qemu-io", "qemu-utils");
        Tool.require("nbdcopy", "libnbd-bin");
        startSixNodes();
        AgentProcess agent = startAgent("h1");
        String id = createAttachedEc("ec", "32MiB", agent);
        String uri = agent.uri(id);

        Tool.Result info = Tool.run(FIO_TIMEOUT, "nbdinfo", "--json", uri).ok();
        assertThat(info.stdout()).contains("\"export-size\": " + 32 * MiB);
        Tool.run(FIO_TIMEOUT, "qemu-io", "-f", "raw", "-c", "write -P 0xab 1M 2M", "-c", "read -P 0xab 1M 2M", uri)
                .ok();
        Path in = dir.resolve("in.bin");
        Path out = dir.resolve("out.bin");
        byte[] data = new byte[(int) (32 * MiB)];
        new Random(7).nextBytes(data);
        Files.write(in, data);
        Tool.run(FIO_TIMEOUT, "nbdcopy", in.toString(), uri).ok();
        Tool.run(FIO_TIMEOUT, "nbdcopy", uri, out.toString()).ok();
        assertThat(Files.readAllBytes(out)).isEqualTo(data);

        // Six BStores of a quarter of the volume (and a header) each, one per node: 1.5x plus headers.
        long bstoreBytes = 0;
        int bstores = 0;
        for (NodeProcess n : nodes.values()) {
            for (com.fasterxml.jackson.databind.JsonNode e :
                    n.admin().get("/v1/extents").ok()) {
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
        com.fasterxml.jackson.databind.JsonNode layout =
                volume("ec").get("erasure").get("layouts").get(0).get("bstores");
        assertThat(layout).hasSize(6);
        assertThat(layout.findValuesAsText("nodeName")).containsExactlyInAnyOrder("n1", "n2", "n3", "n4", "n5", "n6");
        assertThat(layout.findValuesAsText("role")).containsExactly("data", "data", "data", "data", "parity", "parity");
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

        // They return; the next attach catches them up on the regions written meanwhile.
        startNodes(List.of("n2", "n5"), n -> startNode(n, "z" + n.substring(1)));
        awaitNodesOnline(6);
        cli("volume", "detach", "ec").ok();
        cli("volume", "attach", "ec", "--host", "h1").ok();
        awaitServing(agent, "ec", 6);
        for (String lost : List.of("n1", "n6")) {
            nodes.get(lost).process().kill();
        }
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "0", "24M", "", true)).ok();
    }

    private static double dirtyRegions(AgentProcess agent, String name) throws IOException {
        return PrometheusText.scrape(agent.metricsUrl()).sum("cairn_agent_volume_dirty_regions", "name", name);
    }
}
