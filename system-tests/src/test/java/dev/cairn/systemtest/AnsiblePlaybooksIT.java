package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.testkit.CairnProcess;
import dev.cairn.testkit.NodeProcess;
import dev.cairn.testkit.Tool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Ansible playbooks in {@code deploy/ansible} run by {@code ansible-playbook} against a
 * controller and four nodes in zones a, a, b and c (so a drained leg has somewhere to go). The
 * volume is not attached: a new leg is placed, made by its node, and copied by that node from an
 * in-sync leg.
 */
class AnsiblePlaybooksIT extends ClusterFixture {
    private static final Path PLAYBOOKS = CairnProcess.home().resolve("deploy/ansible");

    @BeforeEach
    void cluster() throws Exception {
        Tool.require("ansible-playbook", "ansible-core");
        controllerGroup(1);
        // Nodes paused on purpose (to hold a drain) must not be taken for lost meanwhile.
        startController("c1", List.of("--offline-after", "30s", "--election-timeout", "500ms"));
        startNodes(List.of("na1", "na2", "nb", "nc"), n -> startNode(n, n.substring(1, 2)));
        awaitNodesOnline(4);
        cli("volume", "create", "db", "--size", "64MiB", "--class", "zone-2").ok();
    }

    /** Runs a playbook from deploy/ansible with its inventory, against this cluster with the admin token. */
    private Tool.Result playbook(String name, String... args) {
        List<String> command = new ArrayList<>(List.of(
                "ansible-playbook",
                "-i",
                PLAYBOOKS.resolve("inventory.ini").toString(),
                PLAYBOOKS.resolve(name).toString(),
                "-e",
                "cairn_controller=" + urls(),
                "-e",
                "cairn_token_file=" + tokens().resolve("admin.token")));
        command.addAll(List.of(args));
        return Tool.run(
                Duration.ofMinutes(2),
                Map.of(
                        "LC_ALL",
                        "C.UTF-8", // ansible-core refuses any other locale encoding
                        "ANSIBLE_HOME",
                        dir.resolve("ansible").toString(),
                        "ANSIBLE_LOCAL_TEMP",
                        dir.resolve("ansible/tmp").toString(),
                        "ANSIBLE_NOCOLOR",
                        "1"),
                command);
    }

    private JsonNode volume() {
        return api().get("/v1/volumes/db").ok();
    }

    private JsonNode leg(JsonNode volume, int index) {
        for (JsonNode l : volume.get("legs")) {
            if (l.get("index").asInt() == index) {
                return l;
            }
        }
        throw new AssertionError("volume has no leg " + index + ": " + volume);
    }

    private List<Integer> legIndexes() {
        List<Integer> indexes = new ArrayList<>();
        volume().get("legs").forEach(l -> indexes.add(l.get("index").asInt()));
        return indexes;
    }

    private String zoneOf(NodeProcess n) {
        return api().get("/v1/nodes/" + n.nodeId())
                .ok()
                .get("labels")
                .get("zone")
                .asText();
    }

    private NodeProcess nodeWithId(String id) {
        return nodes.values().stream()
                .filter(n -> n.nodeId().toString().equals(id))
                .findFirst()
                .orElseThrow();
    }

    private static String zone(JsonNode leg) {
        return leg.get("nodeLabels").get("zone").asText();
    }

    @Test
    void replicasAreAddedAndRemovedAndARemovalBelowTheClassNeedsForce() {
        JsonNode before = volume();

        Tool.Result added = playbook("replicas.yml", "--tags", "add", "-e", "cairn_volume=db")
                .ok();

        assertThat(added.stdout()).contains("added leg 2 to volume db: node ");
        JsonNode fresh = leg(volume(), 2);
        assertThat(zone(fresh)).isNotIn(zone(leg(before, 0)), zone(leg(before, 1)));
        String freshExtent = fresh.get("extentId").asText();
        await().atMost(WAIT)
                .until(() -> extentsOn(nodeWithId(fresh.get("nodeId").asText())).contains(freshExtent));
        // The volume is detached: the new leg's node copies it from an in-sync leg by itself.
        await().atMost(WAIT).until(() -> volume().get("health").asText().equals("HEALTHY"));
        assertThat(leg(volume(), 2).get("synced").asBoolean()).isTrue();

        playbook("replicas.yml", "--tags", "remove", "-e", "cairn_volume=db", "-e", "cairn_leg=" + freshExtent)
                .ok();
        assertThat(legIndexes()).containsExactlyInAnyOrder(0, 1);
        assertThat(volume().get("health").asText()).isEqualTo("HEALTHY");
        await().atMost(WAIT)
                .until(() ->
                        !extentsOn(nodeWithId(fresh.get("nodeId").asText())).contains(freshExtent));

        Tool.Result refused =
                playbook("replicas.yml", "--tags", "remove", "-e", "cairn_volume=db", "-e", "cairn_leg=1");
        assertThat(refused.exitCode()).as(refused.describe()).isNotZero();
        assertThat(refused.stdout())
                .contains(
                        "volume 'db' would keep 1 in-sync leg where its class 'zone-2' asks for 2; force it to go below");
        assertThat(legIndexes()).containsExactlyInAnyOrder(0, 1);

        playbook(
                        "replicas.yml",
                        "--tags",
                        "remove",
                        "-e",
                        "cairn_volume=db",
                        "-e",
                        "cairn_leg=1",
                        "-e",
                        "cairn_force=true")
                .ok();
        assertThat(legIndexes()).containsExactly(0);
        assertThat(volume().get("health").asText()).isEqualTo("DEGRADED_BY_INTENT");
        JsonNode removed = leg(before, 1);
        await().atMost(WAIT)
                .until(() -> !extentsOn(nodeWithId(removed.get("nodeId").asText()))
                        .contains(removed.get("extentId").asText()));
    }

    @Test
    void aDrainedNodesLegsGetReplacementsElsewhereAndTheWaitReportsWhatIsLeft() {
        JsonNode leaving = leg(volume(), 0);
        String node = leaving.get("nodeId").asText();
        String staying = leg(volume(), 1).get("nodeId").asText();
        // The nodes that could take the replacement are paused: it is placed, but not made yet.
        List<NodeProcess> candidates = nodes.values().stream()
                .filter(n -> !n.nodeId().toString().equals(node)
                        && !n.nodeId().toString().equals(staying)
                        && !zoneOf(n).equals(zoneOf(nodeWithId(staying))))
                .toList();
        assertThat(candidates).isNotEmpty();
        candidates.forEach(n -> n.process().pause());

        Tool.Result started = playbook("drain-node.yml", "-e", "cairn_node_id=" + node, "-e", "cairn_drain_wait=false")
                .ok();
        assertThat(started.stdout()).contains("node " + node + " draining since ");
        await().atMost(WAIT)
                .until(() -> api().get("/v1/nodes/" + node)
                                .ok()
                                .path("drain")
                                .path("legsMoving")
                                .asInt()
                        == 1);

        JsonNode drain = api().get("/v1/nodes/" + node).ok().get("drain");
        assertThat(drain.get("legsLeft").asInt()).isEqualTo(1);
        JsonNode v = volume();
        String replacement = leg(v, 0).get("replacedBy").asText();
        JsonNode next = leg(v, 2);
        assertThat(next.get("extentId").asText()).isEqualTo(replacement);
        assertThat(next.get("nodeId").asText()).isNotEqualTo(node).isNotEqualTo(staying);
        assertThat(zone(next)).isNotEqualTo(zone(leg(v, 1)));
        assertThat(drain.get("waiting").toString()).contains("its new leg " + replacement);

        Tool.Result waited = playbook(
                "drain-node.yml",
                "-e",
                "cairn_node_id=" + node,
                "-e",
                "cairn_drain_timeout=2",
                "-e",
                "cairn_drain_poll=1");
        assertThat(waited.exitCode()).as(waited.describe()).isNotZero();
        assertThat(waited.stdout())
                .contains("node " + node + " still holds 1 leg(s) (1 moving) after 2 s; the drain goes on; waiting:"
                        + " volume db: its new leg " + replacement + " is copied by its node");

        // Back: the node makes the new leg and copies it (the volume is detached); the old one goes.
        candidates.forEach(n -> n.process().resume());
        assertThat(playbook("drain-node.yml", "-e", "cairn_node_id=" + node)
                        .ok()
                        .stdout())
                .contains("node " + node + " drained: no legs left");
        assertThat(leg(volume(), 2).get("synced").asBoolean()).isTrue();
        await().atMost(WAIT)
                .until(() -> !extentsOn(nodeWithId(node))
                        .contains(leaving.get("extentId").asText()));

        String empty = nodes.values().stream()
                .map(n -> n.nodeId().toString())
                .filter(id -> !id.equals(node))
                .filter(id -> !volume().get("legs").findValuesAsText("nodeId").contains(id))
                .findFirst()
                .orElseThrow();
        assertThat(playbook("drain-node.yml", "-e", "cairn_node_id=" + empty)
                        .ok()
                        .stdout())
                .contains("node " + empty + " drained: no legs left");

        playbook("drain-node.yml", "-e", "cairn_node_id=" + node, "--tags", "undrain")
                .ok();
        assertThat(api().get("/v1/nodes/" + node).ok().get("drain").isNull()).isTrue();
        assertThat(api().get("/v1/nodes/" + empty).ok().get("drain").isNull()).isFalse();

        Tool.Result unknown = playbook("drain-node.yml", "-e", "cairn_node_id=00000000-0000-0000-0000-000000000001");
        assertThat(unknown.exitCode()).isNotZero();
        assertThat(unknown.stdout())
                .contains("no node 00000000-0000-0000-0000-000000000001 (nodes: na1, na2, nb, nc) (HTTP 404)");
    }
}
