package dev.cairn.control.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.control.erasure.PStoreLayouts;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.LocalReplicatedState;
import dev.cairn.control.testing.ControllerHarness;
import dev.cairn.testkit.AdminHttp;
import dev.cairn.testkit.FakeClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The REST API over an in-process state ({@link ControllerHarness}), with a client per token. */
abstract class ApiFixture {
    static final String ADMIN = ControllerHarness.ADMIN_TOKEN;
    static final String READ = ControllerHarness.READ_TOKEN;
    static final String NODE = ControllerHarness.NODE_TOKEN;
    static final long GIB = 1L << 30;

    /** The share of every drive placement keeps free; a test class may set another. */
    double spareFraction = 0;

    ControllerHarness controller;
    FakeClock clock;
    LocalReplicatedState state;
    ControllerApi api;
    AdminHttp admin;
    AdminHttp reader;
    AdminHttp node;
    AdminHttp anonymous;
    /** Route objects of their own, for tests that list the routes. */
    DkvRoutes dkv;

    ErasureRoutes erasure;
    PStoreLayouts layouts;

    @BeforeEach
    void startApi() {
        controller = ControllerHarness.start(new ControllerApi.Settings(spareFraction, 0));
        clock = controller.clock();
        state = controller.state();
        api = controller.api();
        admin = controller.client(Optional.of(ADMIN));
        reader = controller.client(Optional.of(READ));
        node = controller.client(Optional.of(NODE));
        anonymous = controller.client(Optional.empty());
        dkv = new DkvRoutes(state, clock, new Command.DkvPlacement(3, 2, 0));
        layouts = new PStoreLayouts(state, Duration.ofSeconds(1));
        erasure = new ErasureRoutes(state, dkv, layouts);
    }

    @AfterEach
    void stopApi() {
        layouts.close();
        controller.close();
    }

    /** Registers a node in {@code zone} with one empty drive of {@code gib}; returns its id. */
    UUID registerNode(String zone, long gib) {
        return registerNode(zone, gib, null);
    }

    /** As above, named {@code name} (null: no name given, so named after its host label). */
    UUID registerNode(String zone, long gib, String name) {
        UUID id = UUID.randomUUID();
        assertThat(register(id, zone, gib, name).status()).isEqualTo(200);
        return id;
    }

    /** A node's registration as the node sends it. */
    AdminHttp.Response register(UUID id, String zone, long gib, String name) {
        String drive = "{\"id\":\"" + UUID.randomUUID() + "\",\"capacityBytes\":" + gib * GIB + ",\"dataBytes\":"
                + gib * GIB + ",\"usedBytes\":0,\"largestFreeBytes\":" + gib * GIB + "}";
        return node.post(
                "/v1/internal/nodes/" + id + "/register",
                "{\"nbdAddress\":\"127.0.0.1:10809\",\"adminUrl\":"
                        + "\"http://127.0.0.1:8410\",\"labels\":{\"zone\":\"" + zone + "\"},\"drives\":["
                        + drive + "]" + (name == null ? "" : ",\"name\":\"" + name + "\"") + "}");
    }

    /** The node reports the extents it was asked for (as a node that made them would). */
    void heartbeatWithDesired(UUID id) {
        JsonNode desired = node.get("/v1/internal/nodes/" + id + "/desired").ok();
        JsonNode drives = reportedDrives(id);
        StringBuilder extents = new StringBuilder();
        for (JsonNode e : desired.get("extents")) {
            extents.append(extents.isEmpty() ? "" : ",")
                    .append("{\"id\":\"")
                    .append(e.get("id").asText())
                    .append("\",\"driveId\":\"")
                    .append(e.get("driveId").asText())
                    .append("\",\"sizeBytes\":")
                    .append(e.get("sizeBytes").asLong())
                    .append(",\"erasing\":false,\"generation\":")
                    .append(e.get("generation").asLong())
                    .append('}');
        }
        node.post(
                        "/v1/internal/nodes/" + id + "/heartbeat",
                        "{\"drives\":" + drives + ",\"extents\":[" + extents + "],\"errors\":[]}")
                .ok();
    }

    /** A 1 GiB volume of {@code className}, made by {@code nodes} (those holding its legs): AVAILABLE. */
    JsonNode availableVolume(String name, String className, UUID... nodes) {
        admin.post(
                        "/v1/volumes",
                        "{\"name\":\"" + name + "\",\"sizeBytes\":1073741824,\"class\":\"" + className + "\"}")
                .ok();
        for (UUID n : nodes) {
            heartbeatWithDesired(n);
        }
        return admin.get("/v1/volumes/" + name).ok();
    }

    /** The agent on {@code host} (serving NBD at {@code host:10810}) heartbeats with these volume reports. */
    void agentHeartbeat(String host, String... volumeReports) {
        node.post(
                        "/v1/internal/agents/" + host + "/heartbeat",
                        "{\"nbdAddress\":\"" + host + ":10810\",\"volumes\":[" + String.join(",", volumeReports) + "]}")
                .ok();
    }

    /** The node's drives as the node itself reports them (without what the controller adds). */
    JsonNode reportedDrives(UUID id) {
        JsonNode drives = admin.get("/v1/nodes/" + id).ok().get("drives").deepCopy();
        for (JsonNode d : drives) {
            ((ObjectNode) d).remove(List.of("freeBytes", "spareBytes"));
        }
        return drives;
    }

    static List<String> texts(JsonNode array, String field) {
        return array.findValuesAsText(field);
    }

    static Map<String, String> labels(String... kv) {
        Map<String, String> m = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
