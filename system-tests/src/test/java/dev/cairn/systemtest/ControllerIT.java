package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.nbd.client.HandshakeException;
import dev.cairn.nbd.client.NbdClient;
import dev.cairn.testkit.NodeProcess;
import dev.cairn.testkit.Patterns;
import dev.cairn.testkit.Tool;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One controller and three nodes in zones a, b and c, all real processes, driven through the CLI. */
class ControllerIT extends ClusterFixture {

    @BeforeEach
    void cluster() throws Exception {
        controllerGroup(1);
        startController("c1");
        startNodes(List.of("node-a", "node-b", "node-c"), n -> startNode(n, n.substring("node-".length())));
        awaitNodesOnline(3);
    }

    private JsonNode legsOf(JsonNode volume) {
        return volume.get("legs");
    }

    @Test
    void volumesAreCreatedAcrossZonesServedAndDeletedThroughTheCli() throws Exception {
        Tool.Result created = cli("volume", "create", "db", "--size", "64MiB", "--class", "zone-3")
                .ok();
        assertThat(created.stdout()).contains("state:    AVAILABLE");
        JsonNode db = cliJson("volume", "show", "db");
        assertThat(legsOf(db).findValuesAsText("zone")).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(legsOf(db).findValuesAsText("state")).containsOnly("READY");

        // Every leg is a real extent on its node, served over NBD and fenced by its secret.
        for (JsonNode leg : legsOf(db)) {
            String extent = leg.get("extentId").asText();
            NodeProcess holder =
                    nodes.get("node-" + leg.get("nodeLabels").get("zone").asText());
            assertThat(extentsOn(holder)).containsExactly(extent);
            JsonNode desired = api().get("/v1/internal/nodes/" + holder.nodeId() + "/desired")
                    .ok()
                    .get("extents")
                    .get(0);
            String export = extent + ";gen=1;key=" + desired.get("secret").asText();
            ByteBuffer data = Patterns.random(1 << 20, leg.get("index").asInt());
            try (NbdClient c = NbdClient.connect(holder.nbd(), export)) {
                c.write(0, data.duplicate(), true).join();
                assertThat(c.read(0, 1 << 20).join()).isEqualTo(data);
            }
            assertThatThrownBy(() -> NbdClient.connect(holder.nbd(), extent).close())
                    .isInstanceOf(HandshakeException.class)
                    .hasMessageContaining("requires ;gen=GENERATION;key=SECRET");
        }

        Tool.Result table = cli("volume", "list").ok();
        assertThat(table.stdout().lines().findFirst().orElseThrow()).startsWith("NAME");
        assertThat(table.stdout()).contains("db", "zone-3", "AVAILABLE", "3/3 ready");
        assertThat(cli("node", "list").ok().stdout()).contains("zone=a", "zone=b", "zone=c");
        assertThat(cli("cluster", "status").ok().stdout()).contains("3 online of 3", "1 available");

        cli("volume", "delete", "db").ok();
        await().atMost(WAIT)
                .until(() -> nodes.values().stream().allMatch(n -> extentsOn(n).isEmpty())
                        && api().get("/v1/orphans").ok().isEmpty());
        assertThat(cli("volume", "show", "db").exitCode()).isEqualTo(1);
    }

    @Test
    void mistakesGetOneClearLineAndAnErrorExit() {
        cli("class", "create", "four", "--replicas", "4", "--spread-across", "zone")
                .ok();
        Tool.Result impossible = cli("volume", "create", "x", "--size", "64MiB", "--class", "four");
        assertThat(impossible.exitCode()).isEqualTo(1);
        assertThat(impossible.stderr().strip().lines()).hasSize(1);
        assertThat(impossible.stderr())
                .startsWith("cairn volume create: cannot place volume 'x' (class four): needs 4 distinct values of"
                        + " 'zone'")
                .contains("only 3 have one (zone=a: 1 node, zone=b: 1 node, zone=c: 1 node)");
        Tool.Result unaligned = cli("volume", "create", "y", "--size", "1000", "--class", "single");
        assertThat(unaligned.exitCode()).isEqualTo(1);
        assertThat(unaligned.stderr().strip())
                .isEqualTo("cairn volume create: volume size 1000 is not a multiple of 4096");
        Tool.Result unknown = cli("class", "create", "rooms", "--replicas", "2", "--spread-across", "room");
        assertThat(unknown.stderr().strip())
                .isEqualTo("cairn class create: no node has a label 'room' to spread across (known keys: host, zone)");
        assertThat(cliJson("volume", "list")).isEmpty();
        assertThat(nodes.values().stream().allMatch(n -> extentsOn(n).isEmpty()))
                .isTrue();
    }

    @Test
    void aNodeRestartedAfterItsVolumeWasDeletedErasesTheOrphanAndFreesItsSpace() throws Exception {
        cli("volume", "create", "v", "--size", "128MiB", "--class", "zone-3").ok();
        NodeProcess a = nodes.get("node-a");
        List<String> held = extentsOn(a);
        assertThat(held).hasSize(1);
        long freeBefore =
                api().get("/v1/nodes/" + a.nodeId()).ok().get("freeBytes").asLong();

        assertThat(a.process().stop()).isIn(0, 143);
        await().atMost(WAIT)
                .until(() -> api().get("/v1/nodes/" + a.nodeId())
                        .ok()
                        .get("state")
                        .asText()
                        .equals("OFFLINE"));
        cli("volume", "delete", "v").ok();
        // The online nodes erase their legs; the stopped one's stays an orphan until it is back.
        await().atMost(WAIT).until(() -> api().get("/v1/orphans").ok().size() == 1);
        assertThat(api().get("/v1/orphans").ok().get(0).get("extentId").asText())
                .isEqualTo(held.getFirst());

        NodeProcess again = startNode("node-a", "a");
        assertThat(again.nodeId()).isEqualTo(a.nodeId());
        await().atMost(WAIT)
                .until(() -> extentsOn(again).isEmpty()
                        && api().get("/v1/orphans").ok().isEmpty());
        await().atMost(WAIT)
                .until(() -> api().get("/v1/nodes/" + a.nodeId())
                                .ok()
                                .get("freeBytes")
                                .asLong()
                        > freeBefore);
        assertThat(api().get("/v1/nodes/" + a.nodeId()).ok().get("state").asText())
                .isEqualTo("ONLINE");
    }

    @Test
    void aRestartedControllerKeepsEveryVolume() throws Exception {
        for (String name : List.of("one", "two", "three")) {
            cli("volume", "create", name, "--size", "32MiB", "--class", "zone-2")
                    .ok();
        }
        JsonNode before = cliJson("volume", "list");
        assertThat(before).hasSize(3);

        controllers.get("c1").process().kill(); // SIGKILL: nothing but what was acknowledged survives
        startController("c1");
        JsonNode after = cliJson("volume", "list");
        assertThat(after).isEqualTo(before);
        awaitNodesOnline(3);
        cli("volume", "create", "four", "--size", "32MiB", "--class", "zone-3").ok();
        assertThat(cliJson("volume", "list")).hasSize(4);
    }
}
