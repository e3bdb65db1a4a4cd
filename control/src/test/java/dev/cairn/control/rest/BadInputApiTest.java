package dev.cairn.control.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.testkit.AdminHttp;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every malformed or impossible request gets a 4xx with a precise reason and changes nothing. */
class BadInputApiTest extends ApiFixture {
    private UUID nodeA;
    private UUID nodeB;

    @BeforeEach
    void cluster() {
        nodeA = registerNode("a", 100);
        nodeB = registerNode("b", 100);
        admin.post("/v1/volumes", "{\"name\":\"taken\",\"sizeBytes\":1073741824,\"class\":\"zone-2\"}")
                .ok();
    }

    private String everything() {
        return admin.get("/v1/nodes").ok() + " " + admin.get("/v1/classes").ok() + " "
                + admin.get("/v1/volumes").ok() + " " + admin.get("/v1/orphans").ok() + " "
                + node.get("/v1/internal/nodes/" + nodeA + "/desired").ok().get("extents") + " "
                + admin.get("/v1/agents").ok();
    }

    /** Sends the request and checks the status, that the reason contains {@code reason}, and that nothing changed. */
    private void refused(String method, String path, String body, int status, String reason) {
        String before = everything();
        AdminHttp.Response res = admin.call(method, path, body);
        assertThat(res.status())
                .as(method + " " + path + " " + body + " -> " + res.body())
                .isEqualTo(status);
        assertThat(res.body().get("error").asText()).contains(reason);
        assertThat(everything())
                .as("state after " + method + " " + path + " " + body)
                .isEqualTo(before);
    }

    private void badVolume(String body, int status, String reason) {
        refused("POST", "/v1/volumes", body, status, reason);
    }

    @Test
    void malformedVolumeRequests() {
        badVolume("{\"name\":\"v\",\"sizeBytes\":", 400, "malformed JSON");
        badVolume("", 400, "request body is empty");
        badVolume("[1,2]", 400, "malformed JSON");
        badVolume("{\"name\":\"v\",\"sizeBytes\":1073741824,\"class\":\"single\"} {}", 400, "malformed JSON");
        badVolume("{\"name\":\"v\",\"sizeGiB\":1,\"class\":\"single\"}", 400, "unknown field 'sizeGiB'");
        badVolume("{\"sizeBytes\":1073741824,\"class\":\"single\"}", 400, "name is required");
        badVolume("{\"name\":\"v\",\"class\":\"single\"}", 400, "sizeBytes is required");
        badVolume("{\"name\":\"v\",\"sizeBytes\":1073741824}", 400, "class is required");
        badVolume("{\"name\":\"v\",\"sizeBytes\":\"1073741824\",\"class\":\"single\"}", 400, "malformed JSON");
        badVolume("{\"name\":\"v\",\"sizeBytes\":1073741824.5,\"class\":\"single\"}", 400, "malformed JSON");
        badVolume(
                "{\"name\":\"v\",\"name\":\"w\",\"sizeBytes\":1073741824,\"class\":\"single\"}",
                400,
                "Duplicate field 'name'");
        badVolume("{\"name\":\"v\",\"sizeBytes\":99999999999999999999,\"class\":\"single\"}", 400, "malformed JSON");
    }

    @Test
    void invalidVolumes() {
        badVolume("{\"name\":\"v\",\"sizeBytes\":-4096,\"class\":\"single\"}", 400, "must be positive, got -4096");
        badVolume("{\"name\":\"v\",\"sizeBytes\":0,\"class\":\"single\"}", 400, "must be positive, got 0");
        badVolume("{\"name\":\"v\",\"sizeBytes\":1000,\"class\":\"single\"}", 400, "1000 is not a multiple of 4096");
        badVolume("{\"name\":\"no spaces\",\"sizeBytes\":4096,\"class\":\"single\"}", 400, "volume name 'no spaces'");
        badVolume("{\"name\":\"v\",\"sizeBytes\":4096,\"class\":\"gold\"}", 404, "no storage class 'gold' (classes: ");
        badVolume(
                "{\"name\":\"taken\",\"sizeBytes\":4096,\"class\":\"single\"}",
                409,
                "a volume named 'taken' already exists");
    }

    @Test
    void anImpossiblePlacementNamesTheConstraintAndAllocatesNothing() {
        badVolume(
                "{\"name\":\"v\",\"sizeBytes\":1073741824,\"class\":\"zone-3\"}",
                422,
                "needs 3 distinct values of 'zone' with room for a leg of");
        badVolume("{\"name\":\"huge\",\"sizeBytes\":1099511627776,\"class\":\"zone-2\"}", 422, "2 without room");
        assertThat(admin.get("/v1/volumes/v").status()).isEqualTo(404);
    }

    @Test
    void invalidClasses() {
        String ok = "\"name\":\"c\",\"replicas\":2,\"spreadAcross\":\"zone\"";
        refused(
                "POST",
                "/v1/classes",
                "{\"name\":\"c\",\"replicas\":2,\"spreadAcross\":\"room\"}",
                400,
                "no node has a label 'room' to spread across (known keys: host, zone)");
        refused(
                "POST",
                "/v1/classes",
                "{\"name\":\"c\",\"replicas\":0,\"spreadAcross\":\"zone\"}",
                400,
                "replicas must be 1 to 5");
        refused(
                "POST",
                "/v1/classes",
                "{\"name\":\"c\",\"replicas\":6,\"spreadAcross\":\"zone\"}",
                400,
                "replicas must be 1 to 5");
        refused("POST", "/v1/classes", "{\"replicas\":2,\"spreadAcross\":\"zone\"}", 400, "name is required");
        refused(
                "POST",
                "/v1/classes",
                "{" + ok + ",\"regionSizeBytes\":100000}",
                400,
                "regionSizeBytes must be a power of 2 from 64 KiB to 1 GiB, got 100000");
        refused(
                "POST",
                "/v1/classes",
                "{" + ok + ",\"repairTimeout\":\"ten minutes\"}",
                400,
                "repairTimeout 'ten minutes' is not an ISO-8601 duration");
        refused("POST", "/v1/classes", "{" + ok + ",\"prefer\":\"zone\"}", 400, "'zone' is not KEY=VALUE");
        refused(
                "POST",
                "/v1/classes",
                "{\"name\":\"zone-3\",\"replicas\":2,\"spreadAcross\":\"zone\"}",
                409,
                "storage class 'zone-3' already exists");
        admin.post("/v1/classes", "{\"name\":\"pair\",\"replicas\":2,\"spreadAcross\":\"zone\"}")
                .ok();
        admin.post("/v1/volumes", "{\"name\":\"paired\",\"sizeBytes\":4096,\"class\":\"pair\"}")
                .ok();
        refused("DELETE", "/v1/classes/pair", null, 409, "storage class 'pair' is used by 1 volume");
        refused("DELETE", "/v1/classes/nope", null, 404, "no storage class 'nope'");
        refused("DELETE", "/v1/classes/single", null, 400, "'single' is a built-in class and stays");
    }

    @Test
    void invalidNodeRequests() {
        refused("GET", "/v1/nodes/not-a-name", null, 404, "no node 'not-a-name' (nodes: ");
        refused("GET", "/v1/nodes/" + UUID.randomUUID(), null, 404, "no node ");
        String labels = "/v1/nodes/" + nodeA + "/labels";
        refused("PUT", labels, "{\"set\":{\"Zone\":\"b\"}}", 400, "label key 'Zone'");
        refused("PUT", labels, "{\"set\":{\"rack\":\"r 1\"}}", 400, "label value 'r 1'");
        refused("PUT", labels, "{\"remove\":[\"host\"]}", 400, "'host' is implicit and cannot be removed");
        refused("PUT", labels, "{\"remove\":[\"rack\"]}", 404, "has no label 'rack'");
        refused("PUT", "/v1/nodes/" + UUID.randomUUID() + "/labels", "{\"set\":{\"rack\":\"r1\"}}", 404, "no node ");
        refused("DELETE", "/v1/volumes/nope", null, 404, "no volume");
        refused(
                "GET",
                "/v1/internal/nodes/" + nodeA + "/desired?waitMillis=soon",
                null,
                400,
                "query parameter waitMillis='soon' is not a number");
        refused(
                "POST",
                "/v1/internal/nodes/" + UUID.randomUUID() + "/heartbeat",
                "{\"drives\":[],\"extents\":[],\"errors\":[]}",
                404,
                "is not registered");
        refused("POST", "/v1/internal/nodes/" + nodeA + "/heartbeat", "{\"extents\":[]}", 400, "drives is required");
        refused(
                "POST",
                "/v1/internal/nodes/" + nodeA + "/heartbeat",
                "{\"drives\":[],\"extents\":[{\"id\":\"x\",\"driveId\":\"y\",\"sizeBytes\":1,\"erasing\":false,"
                        + "\"generation\":1}],\"errors\":[]}",
                400,
                "extent id 'x' is not a UUID");
    }

    @Test
    void invalidAgentHeartbeats() {
        String hb = "/v1/internal/agents/h1/heartbeat";
        refused(
                "POST",
                "/v1/internal/agents/-h1/heartbeat",
                "{\"nbdAddress\":\"x:1\"}",
                400,
                "host name '-h1' must be letters, digits, '.', '_' or '-' (up to 63, not starting with a symbol)");
        refused("POST", hb, "{\"nbdAddress\":\"x:1\",\"nbd\":1}", 400, "unknown field 'nbd'");
        refused("POST", hb, "{\"volumes\":[]}", 400, "nbdAddress is required");
        refused("POST", hb, "", 400, "request body is empty");
        String volume = "{\"volumeId\":\"" + UUID.randomUUID() + "\",\"generation\":2,\"legs\":[";
        refused(
                "POST",
                hb,
                "{\"nbdAddress\":\"x:1\",\"volumes\":[{\"volumeId\":\"v\",\"generation\":2,\"legs\":[]}]}",
                400,
                "volume id 'v' is not a UUID");
        refused(
                "POST",
                hb,
                "{\"nbdAddress\":\"x:1\",\"volumes\":[" + volume + "{\"extentId\":\"" + UUID.randomUUID()
                        + "\",\"state\":\"HAPPY\"}]}]}",
                400,
                "malformed JSON");
        refused(
                "POST",
                hb,
                "{\"nbdAddress\":\"x:1\",\"volumes\":[" + volume + "{\"extentId\":\"e\",\"state\":\"IN_SYNC\"}]}]}",
                400,
                "extent id 'e' is not a UUID");
        refused(
                "POST",
                hb,
                "{\"nbdAddress\":\"x:1\",\"volumes\":[" + volume + "],\"resync\":{\"doneBytes\":-1,"
                        + "\"totalBytes\":0,\"bytesPerSecond\":0,\"copiedBytes\":0}}]}",
                400,
                "has a negative figure");
        refused(
                "GET",
                "/v1/internal/agents/h1/desired?after=soon",
                null,
                400,
                "query parameter after='soon' is not a number");
        refused("GET", "/v1/internal/agents/-h1/desired", null, 400, "host name '-h1'");
    }

    @Test
    void invalidAttachments() {
        refused("POST", "/v1/volumes/taken/attach", "{}", 400, "host is required");
        refused("POST", "/v1/volumes/taken/attach", "", 400, "request body is empty");
        refused("POST", "/v1/volumes/taken/attach", "{\"host\":\"a b\"}", 400, "host name 'a b' must be");
        refused("POST", "/v1/volumes/taken/attach", "{\"host\":\"h1\",\"hots\":1}", 400, "unknown field 'hots'");
        refused("POST", "/v1/volumes/taken/attach", "{\"host\":\"h1\",\"force\":\"yes\"}", 400, "malformed JSON");
        refused("POST", "/v1/volumes/nope/attach", "{\"host\":\"h1\"}", 404, "no volume 'nope'");
        refused(
                "POST",
                "/v1/volumes/taken/attach",
                "{\"host\":\"h1\"}",
                409,
                "volume 'taken' is CREATING: not every leg exists yet");
        heartbeatWithDesired(nodeA);
        heartbeatWithDesired(nodeB);
        refused("POST", "/v1/volumes/taken/attach", "{\"host\":\"h1\"}", 404, "no agent on host 'h1' (agents: none)");
        refused("POST", "/v1/volumes/taken/detach", null, 409, "volume 'taken' is not attached");
        refused("POST", "/v1/volumes/nope/detach", null, 404, "no volume 'nope'");
    }
}
