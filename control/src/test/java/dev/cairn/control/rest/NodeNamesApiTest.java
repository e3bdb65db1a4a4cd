package dev.cairn.control.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.testkit.AdminHttp;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Every call that takes a node takes its name or its id; names are unique and shown everywhere. */
class NodeNamesApiTest extends ApiFixture {

    @Test
    void aNodeIsFoundByNameOrByIdAndShowsItsName() {
        UUID a = registerNode("a", 100, "node-1");
        UUID b = registerNode("b", 100); // no name: its host label, the host's name (here absent: its id)
        assertThat(admin.get("/v1/nodes/node-1").ok().get("id").asText()).isEqualTo(a.toString());
        assertThat(admin.get("/v1/nodes/" + a).ok().get("name").asText()).isEqualTo("node-1");
        assertThat(admin.get("/v1/nodes/" + b).ok().get("name").asText()).isEqualTo(b.toString());
        assertThat(texts(admin.get("/v1/nodes").ok(), "name")).containsExactlyInAnyOrder("node-1", b.toString());

        AdminHttp.Response missing = admin.get("/v1/nodes/node-9");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body().get("error").asText())
                .isEqualTo("no node 'node-9' (nodes: " + sortedNames("node-1", b.toString()) + ")");
        assertThat(admin.get("/v1/nodes/" + UUID.randomUUID()).status()).isEqualTo(404);
    }

    private static String sortedNames(String x, String y) {
        return x.compareTo(y) < 0 ? x + ", " + y : y + ", " + x;
    }

    @Test
    void drainLabelsAndAddReplicaTakeANodesName() {
        Map<String, UUID> ids = new TreeMap<>();
        for (String name : List.of("node-1", "node-2", "node-3")) {
            ids.put(name, registerNode(name, 100, name));
        }
        JsonNode v = availableVolume("db", "single", ids.values().toArray(UUID[]::new));
        JsonNode leg = v.get("legs").get(0);
        String holder = leg.get("nodeName").asText();
        assertThat(ids.get(holder).toString()).isEqualTo(leg.get("nodeId").asText());
        String other =
                ids.keySet().stream().filter(n -> !n.equals(holder)).findFirst().orElseThrow();

        JsonNode added = admin.post("/v1/volumes/db/replicas", "{\"node\":\"" + other + "\"}")
                .ok();
        assertThat(added.get("legs").get(1).get("nodeId").asText())
                .isEqualTo(ids.get(other).toString());
        assertThat(added.get("legs").get(1).get("nodeName").asText()).isEqualTo(other);
        AdminHttp.Response nowhere = admin.post("/v1/volumes/db/replicas", "{\"node\":\"node-7\"}");
        assertThat(nowhere.status()).isEqualTo(404);
        assertThat(nowhere.body().get("error").asText()).isEqualTo("no node 'node-7' (nodes: node-1, node-2, node-3)");

        assertThat(admin.put("/v1/nodes/node-2/labels", "{\"set\":{\"rack\":\"r1\"}}")
                        .ok()
                        .at("/labels/rack")
                        .asText())
                .isEqualTo("r1");
        assertThat(admin.post("/v1/nodes/node-1/drain", "").ok().hasNonNull("drain"))
                .isTrue();
        assertThat(admin.get("/v1/nodes/" + ids.get("node-1")).ok().hasNonNull("drain"))
                .isTrue();
        assertThat(admin.post("/v1/nodes/node-1/undrain", "").ok().hasNonNull("drain"))
                .isFalse();
    }

    @Test
    void aNameTakenOrMalformedIsRefusedWithWhatToDo() {
        UUID a = registerNode("a", 100, "node-1");
        AdminHttp.Response taken = register(UUID.randomUUID(), "b", 100, "node-1");
        assertThat(taken.status()).isEqualTo(409);
        assertThat(taken.body().get("error").asText())
                .isEqualTo("the name 'node-1' is taken by node " + a
                        + " at 127.0.0.1:10809: start this node with another --name");
        AdminHttp.Response bad = register(UUID.randomUUID(), "b", 100, "no spaces");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body().get("error").asText())
                .isEqualTo("node name 'no spaces' must be letters, digits, '.', '_' or '-' (up to 63, starting with"
                        + " a letter or digit)");
        assertThat(texts(admin.get("/v1/nodes").ok(), "name")).containsExactly("node-1");
    }
}
