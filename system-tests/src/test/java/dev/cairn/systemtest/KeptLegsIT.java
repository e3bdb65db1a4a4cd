package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.nbd.client.NbdClient;
import dev.cairn.testkit.AgentProcess;
import dev.cairn.testkit.PrometheusText;
import dev.cairn.testkit.Tool;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Never erase a good copy, with real processes: two of a volume's three nodes hang (SIGSTOP) past
 * the offline timeout, both legs are replaced at once, and the nodes return before or after the
 * replacements are in sync, with the volume attached or detached, the controller restarted in
 * between. Throughout, {@link GoodCopies} reads every extent that ever held the volume straight
 * from the drive files: the volume never has fewer copies of its data than before the fault.
 */
class KeptLegsIT extends SelfHealingFixture {
    static final long MIB = 1 << 20;
    static final long SIZE = 32 * MIB;

    /** A 32 MiB volume attached to h1 and filled with random bytes, every bitmap bit clean again. */
    private String filledVolume(AgentProcess agent) throws Exception {
        String id = createAttached("vol", SIZE / MIB + "MiB", "h1", CLASS);
        Random random = new Random(7);
        try (NbdClient c = NbdClient.connect(agent.nbd(), id)) {
            byte[] chunk = new byte[(int) MIB];
            for (long at = 0; at < SIZE; at += MIB) {
                random.nextBytes(chunk);
                c.write(at, ByteBuffer.wrap(chunk), false).get();
            }
            c.flush().get();
        }
        await().atMost(WAIT).until(() -> dirtyRegions(agent) == 0);
        return id;
    }

    private static double dirtyRegions(AgentProcess agent) {
        return PrometheusText.scrape(agent.metricsUrl()).sum("cairn_agent_volume_dirty_regions", "name", "vol");
    }

    private GoodCopies watch() throws Exception {
        return new GoodCopies(
                "vol", this::volume, nodes, n -> dir.resolve(nameOf(n.nodeId())).resolve("d0.img"), MIB);
    }

    private List<String> extents(JsonNode v) {
        List<String> out = new ArrayList<>();
        v.get("legs").forEach(l -> out.add(l.get("extentId").asText()));
        return out;
    }

    private long legs(JsonNode v, String field) {
        long n = 0;
        for (JsonNode l : v.get("legs")) {
            n += l.path(field).asBoolean() ? 1 : 0;
        }
        return n;
    }

    /** Both legs kept, and both replacements made by their nodes (READY, not yet synced). */
    private void awaitBothReplaced() {
        await().atMost(WAIT).until(() -> {
            JsonNode v = volume("vol");
            long ready = 0;
            for (JsonNode l : v.get("legs")) {
                ready += !l.get("synced").asBoolean() && l.get("state").asText().equals("READY") ? 1 : 0;
            }
            return legs(v, "kept") == 2 && ready == 2;
        });
    }

    private boolean holds(String node, String extent) {
        return nodes.get(node).admin().get("/v1/extents/" + extent).status() == 200;
    }

    @Test
    void detachedVolumeTakesBackLegsThatReturnBeforeTheirReplacementsAreInSync() throws Exception {
        startSixNodes(List.of("--repair-bandwidth", "1MiB")); // a replacement would take 32 s
        AgentProcess agent = startAgent("h1");
        filledVolume(agent);
        cli("volume", "detach", "vol").ok();
        List<String> original = extents(volume("vol"));
        String n1 = nodeOfLeg("vol", 1);
        String n2 = nodeOfLeg("vol", 2);
        try (GoodCopies copies = watch()) {
            assertThat(copies.now()).isEqualTo(3);
            nodes.get(n1).process().pause();
            nodes.get(n2).process().pause();
            awaitBothReplaced(); // one in-sync leg left: both replaced at once, both kept
            Map<String, String> replacements = new java.util.HashMap<>();
            for (JsonNode l : volume("vol").get("legs")) {
                if (!original.contains(l.get("extentId").asText())) {
                    replacements.put(
                            l.get("extentId").asText(), nameOf(l.get("nodeId").asText()));
                }
            }
            assertThat(replacements).hasSize(2);

            restartController(Map.of());
            nodes.get(n1).process().resume();
            nodes.get(n2).process().resume();
            await().atMost(WAIT.multipliedBy(2)).until(() -> {
                JsonNode v = volume("vol");
                return v.get("health").asText().equals("HEALTHY") && extents(v).equals(original);
            });
            replacements.forEach((extent, node) -> await().atMost(WAIT).until(() -> !holds(node, extent)));
            assertThat(copies.lowest()).as(copies.describe()).isGreaterThanOrEqualTo(3);
            assertThat(copies.now()).isEqualTo(3);
        }
    }

    @Test
    void detachedVolumeIsRepairedByItsNodesWhileTwoHangAndTheirLegsAreErasedOnlyAfter() throws Exception {
        startSixNodes(List.of());
        AgentProcess agent = startAgent("h1");
        filledVolume(agent);
        cli("volume", "detach", "vol").ok();
        List<String> original = extents(volume("vol"));
        String n1 = nodeOfLeg("vol", 1);
        String n2 = nodeOfLeg("vol", 2);
        try (GoodCopies copies = watch()) {
            nodes.get(n1).process().pause();
            nodes.get(n2).process().pause();
            await().atMost(WAIT.multipliedBy(2)).until(() -> {
                JsonNode v = volume("vol");
                List<String> now = extents(v);
                // Until the two nodes are marked offline the volume is still healthy on its old legs.
                return !now.contains(original.get(1))
                        && !now.contains(original.get(2))
                        && v.get("health").asText().equals("HEALTHY")
                        && legs(v, "synced") == 3
                        && legs(v, "kept") == 0;
            });
            nodes.get(n1).process().resume();
            nodes.get(n2).process().resume();
            await().atMost(WAIT).until(() -> !holds(n1, original.get(1)) && !holds(n2, original.get(2)));
            assertThat(copies.lowest()).as(copies.describe()).isGreaterThanOrEqualTo(3);
            assertThat(copies.now()).isEqualTo(3);
        }
    }

    @Test
    void attachedVolumeTakesBackLegsThatCatchUpBeforeTheirReplacementsAreInSync() throws Exception {
        startSixNodes(List.of("--repair-bandwidth", "1MiB"));
        AgentProcess agent = startAgent("h1");
        String id = filledVolume(agent);
        List<String> original = extents(volume("vol"));
        String n1 = nodeOfLeg("vol", 1);
        String n2 = nodeOfLeg("vol", 2);
        nodes.get(n1).process().pause();
        nodes.get(n2).process().pause();
        // Written during the hang: 2 regions, what the returning legs get back.
        Tool.Result during = Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "0", "2M", "", false));
        assertThat(during.exitCode()).as(during.describe()).isZero();
        awaitBothReplaced();

        nodes.get(n1).process().resume();
        nodes.get(n2).process().resume();
        await().atMost(WAIT.multipliedBy(2)).until(() -> {
            JsonNode v = volume("vol");
            return v.get("health").asText().equals("HEALTHY") && extents(v).equals(original);
        });
        Tool.Result verify = Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "0", "2M", "", true));
        assertThat(verify.exitCode()).as(verify.describe()).isZero();
        List<String> sums = legChecksums("h1", id);
        assertThat(sums).hasSize(3).containsOnly(sums.getFirst());
        assertThat(copiedBytes("vol"))
                .as("the returning legs got the regions written meanwhile, the cancelled ones little")
                .isLessThan(SIZE);
    }

    @Test
    void attachTakesOverANodesCopyAndDetachHandsItBack() throws Exception {
        // 32 s for a whole copy: on a loaded machine the polls between the hand-overs take seconds,
        // and at 2 MiB/s the node and then the agent had copied everything before the detach.
        startSixNodes(List.of("--repair-bandwidth", "1MiB"));
        AgentProcess agent = startAgent("h1");
        String id = filledVolume(agent);
        cli("volume", "detach", "vol").ok();
        String lost = nodeOfLeg("vol", 2);
        try (GoodCopies copies = watch()) {
            nodes.get(lost).process().kill();
            // The fill record trails what the node reports copied: regions are copied by several
            // workers at once (the record covers only the whole prefix) and recorded every
            // SIZE / 16. 10 MiB reported leaves the record past 4 MiB however they fall; at 6 MiB
            // it could still be at 4 MiB when the attach came quickly.
            await().atMost(WAIT).until(() -> newLegCopy().path("doneBytes").asLong() >= 10 * MIB);

            cli("volume", "attach", "vol", "--host", "h1").ok();
            await().atMost(WAIT)
                    .until(() -> volume("vol").path("resync").path("totalBytes").asLong() > 0);
            long agentTotal = volume("vol").path("resync").path("totalBytes").asLong();
            assertThat(agentTotal)
                    .as("the agent went on from the node's fill record")
                    .isLessThan(SIZE - 4 * MIB);
            // The same holds for the agent's record: its 8 workers wait for the throttle in no set
            // order (each asks the source for holes first), so the lowest region may be copied
            // last; at 10 MiB copied, the record made at 8 is past the start whatever the order.
            await().atMost(WAIT)
                    .until(() -> volume("vol").path("resync").path("doneBytes").asLong() >= 10 * MIB);

            cli("volume", "detach", "vol").ok();
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(
                                    newLegCopy().path("totalBytes").asLong())
                            .as("the new leg's copy by its node: %s; the volume: %s", newLegCopy(), volume("vol"))
                            .isPositive());
            assertThat(newLegCopy().path("totalBytes").asLong())
                    .as("the node went on from the agent's fill record")
                    .isLessThan(agentTotal);
            await().atMost(WAIT.multipliedBy(2)).until(() -> {
                JsonNode v = volume("vol");
                return v.get("health").asText().equals("HEALTHY") && legs(v, "synced") == 3;
            });
            assertThat(copies.lowest()).as(copies.describe()).isGreaterThanOrEqualTo(3);
        }
        attach("vol", "h1", false);
        List<String> sums = legChecksums("h1", id);
        assertThat(sums).hasSize(3).containsOnly(sums.getFirst());
    }

    /** The copy report of the volume's new leg at its current generation, by its node (empty if none). */
    private JsonNode newLegCopy() {
        for (JsonNode l : volume("vol").get("legs")) {
            if (l.get("synced").asBoolean()) {
                continue;
            }
            JsonNode node = api().get("/v1/nodes/" + l.get("nodeId").asText()).ok();
            for (JsonNode c : node.path("copies")) {
                if (c.get("extentId").asText().equals(l.get("extentId").asText())
                        && c.get("generation").asLong() == l.get("generation").asLong()) {
                    return c;
                }
            }
        }
        return JSON.createObjectNode();
    }
}
