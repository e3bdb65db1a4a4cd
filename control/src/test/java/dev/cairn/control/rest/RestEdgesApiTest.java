package dev.cairn.control.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.testkit.AdminHttp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The edges of the REST API: bodies that are JSON {@code null}, values of the wrong kind, names that
 * are ids, what the HTTP layer itself refuses. Every answer is a 4xx in the API's own error shape,
 * and nothing changes.
 */
class RestEdgesApiTest extends ApiFixture {
    private static final ObjectMapper JSON = new ObjectMapper();
    private UUID nodeA;
    private String volumeId;

    @BeforeEach
    void cluster() {
        nodeA = registerNode("a", 100);
        registerNode("b", 100);
        volumeId = admin.post("/v1/volumes", "{\"name\":\"db\",\"sizeBytes\":1073741824,\"class\":\"zone-2\"}")
                .ok()
                .get("id")
                .asText();
        agentHeartbeat("h1");
    }

    private String everything() {
        return admin.get("/v1/nodes").ok() + " " + admin.get("/v1/classes").ok() + " "
                + admin.get("/v1/volumes").ok() + " " + admin.get("/v1/orphans").ok() + " "
                + admin.get("/v1/agents").ok() + " "
                + admin.get("/health").body().get("appliedIndex");
    }

    private void refused(AdminHttp who, String method, String path, String body, int status, String reason) {
        String before = everything();
        AdminHttp.Response res = who.call(method, path, body);
        assertThat(res.status())
                .as(method + " " + path + " " + body + " -> " + res.body())
                .isEqualTo(status);
        assertThat(res.body().get("error").asText())
                .as(method + " " + path + " " + body)
                .contains(reason);
        assertThat(everything())
                .as("state after " + method + " " + path + " " + body)
                .isEqualTo(before);
    }

    @Test
    void aNullBodyIsRefusedOnEveryPostAndPut() {
        String expected = "request body is null; expected a JSON object";
        for (String[] call : List.of(
                new String[] {"POST", "/v1/volumes"},
                new String[] {"POST", "/v1/classes"},
                new String[] {"POST", "/v1/volumes/db/attach"},
                new String[] {"POST", "/v1/volumes/db/replicas"},
                new String[] {"PUT", "/v1/nodes/" + nodeA + "/labels"})) {
            refused(admin, call[0], call[1], "null", 400, expected);
        }
        refused(node, "POST", "/v1/internal/nodes/" + nodeA + "/register", "null", 400, expected);
        refused(node, "POST", "/v1/internal/nodes/" + nodeA + "/heartbeat", "null", 400, expected);
        refused(node, "POST", "/v1/internal/agents/h1/heartbeat", "null", 400, expected);
    }

    @Test
    void onlyStringsAreNamesAndNoListHoldsANull() {
        refused(
                admin,
                "POST",
                "/v1/volumes",
                "{\"name\":5,\"sizeBytes\":4096,\"class\":\"single\"}",
                400,
                "name must be a string, not a whole number");
        refused(
                admin,
                "POST",
                "/v1/volumes",
                "{\"name\":\"v\",\"sizeBytes\":4096,\"class\":true}",
                400,
                "class must be a string, not a boolean");
        refused(admin, "POST", "/v1/volumes/db/attach", "{\"host\":1.5}", 400, "host must be a string, not a fraction");
        String labels = "/v1/nodes/" + nodeA + "/labels";
        refused(admin, "PUT", labels, "{\"set\":{\"rack\":7}}", 400, "set.rack must be a string, not a whole number");
        refused(admin, "PUT", labels, "{\"remove\":[null]}", 400, "remove[0] must not be null");
        refused(admin, "PUT", labels, "{\"set\":{\"rack\":null}}", 400, "set.rack must not be null");
        refused(
                node,
                "POST",
                "/v1/internal/nodes/" + nodeA + "/heartbeat",
                "{\"drives\":[null],\"extents\":[],\"errors\":[]}",
                400,
                "drives[0] must not be null");
        refused(
                node,
                "POST",
                "/v1/internal/agents/h1/heartbeat",
                "{\"nbdAddress\":\"h1:1\",\"volumes\":[{\"volumeId\":\"" + volumeId
                        + "\",\"generation\":1,\"legs\":[{\"extentId\":\"" + UUID.randomUUID()
                        + "\",\"state\":0}]}]}",
                400,
                "volumes[0].legs[0].state must be one of [IN_SYNC, SYNCING, FAILED, CONNECTING], not a whole number");
    }

    private static String drive(UUID id, long bytes) {
        return "{\"id\":\"" + id + "\",\"capacityBytes\":" + bytes + ",\"dataBytes\":" + bytes
                + ",\"usedBytes\":0,\"largestFreeBytes\":" + bytes + "}";
    }

    @Test
    void theCallsOfNodesAreBoundedToo() {
        String register = "/v1/internal/nodes/" + UUID.randomUUID() + "/register";
        String drives = String.join(",", java.util.Collections.nCopies(257, drive(UUID.randomUUID(), GIB)));
        refused(
                node,
                "POST",
                register,
                "{\"nbdAddress\":\"n:1\",\"adminUrl\":\"http://n\",\"drives\":[" + drives + "]}",
                400,
                "drives: 257 given, at most 256 allowed");
        refused(
                node,
                "POST",
                register,
                "{\"nbdAddress\":\"n:1\",\"adminUrl\":\"http://n\",\"drives\":[" + drive(UUID.randomUUID(), 1L << 51)
                        + "]}",
                400,
                "capacityBytes must be from 0 to 1125899906842624");
        UUID twice = UUID.randomUUID();
        refused(
                node,
                "POST",
                register,
                "{\"nbdAddress\":\"n:1\",\"adminUrl\":\"http://n\",\"drives\":[" + drive(twice, GIB) + ","
                        + drive(twice, GIB) + "]}",
                400,
                "drive " + twice + " is reported twice");
        refused(
                node,
                "POST",
                register,
                "{\"nbdAddress\":\"" + "n".repeat(256) + "\",\"adminUrl\":\"http://n\",\"drives\":[]}",
                400,
                "nbdAddress is 256 characters long, more than 255");
        refused(
                node,
                "POST",
                register,
                "{\"nbdAddress\":\"n:1\",\"adminUrl\":\"http://n\",\"labels\":{\"Zone\":\"a\"}," + "\"drives\":[]}",
                400,
                "label key 'Zone'");
        refused(
                node,
                "POST",
                "/v1/internal/nodes/" + UUID.randomUUID() + "/heartbeat",
                "{\"drives\":[],\"extents\":[],\"errors\":[]}",
                404,
                "is not registered");
        String heartbeat = "/v1/internal/nodes/" + nodeA + "/heartbeat";
        String errors = String.join(",", java.util.Collections.nCopies(101, "\"e\""));
        refused(
                node,
                "POST",
                heartbeat,
                "{\"drives\":" + reportedDrives(nodeA) + ",\"extents\":[],\"errors\":[" + errors + "]}",
                400,
                "errors has 101 items, more than 100");
        refused(
                node,
                "POST",
                heartbeat,
                "{\"drives\":" + reportedDrives(nodeA) + ",\"extents\":[],\"errors\":[]," + "\"reconciledIndex\":-5}",
                400,
                "reconciledIndex must be -1 (none yet) or more, got -5");
        refused(
                node,
                "POST",
                heartbeat,
                "{\"drives\":" + reportedDrives(nodeA) + ",\"extents\":[{\"id\":\""
                        + UUID.randomUUID() + "\",\"driveId\":\"" + UUID.randomUUID() + "\",\"sizeBytes\":-1,"
                        + "\"erasing\":false,\"generation\":1}],\"errors\":[]}",
                400,
                "sizeBytes must be from 0 to");
    }

    @Test
    void theCallsOfAgentsAreBoundedToo() {
        String legs = String.join(
                ",",
                java.util.Collections.nCopies(
                        17, "{\"extentId\":\"" + UUID.randomUUID() + "\",\"state\":\"IN_SYNC\"}"));
        refused(
                node,
                "POST",
                "/v1/internal/agents/h1/heartbeat",
                "{\"nbdAddress\":\"h1:1\",\"volumes\":[{\"volumeId\":\"" + volumeId + "\",\"generation\":1,\"legs\":["
                        + legs + "]}]}",
                400,
                "legs of volume " + volumeId + ": 17 given, at most 16 allowed");
        refused(
                node,
                "POST",
                "/v1/internal/agents/h1/heartbeat",
                "{\"nbdAddress\":\"h1:1\",\"volumes\":[{\"volumeId\":\"" + volumeId
                        + "\",\"generation\":-1,\"legs\":[]}]}",
                400,
                "generation is negative");
        refused(
                node,
                "POST",
                "/v1/internal/agents/h1/heartbeat",
                "{\"nbdAddress\":\"h1:1\",\"volumes\":[{\"volumeId\":\"" + volumeId + "\",\"generation\":1,\"legs\":[],"
                        + "\"resync\":{\"doneBytes\":9223372036854775807,\"totalBytes\":1,\"bytesPerSecond\":0,"
                        + "\"copiedBytes\":0}}]}",
                400,
                "doneBytes must be from 0 to 1125899906842624");
    }

    @Test
    void clusterFiguresSaturateRatherThanWrapAround() {
        for (int n = 0; n < 40; n++) {
            List<String> drives = new java.util.ArrayList<>();
            for (int d = 0; d < 256; d++) {
                drives.add(drive(UUID.randomUUID(), 1L << 50));
            }
            node.post(
                            "/v1/internal/nodes/" + UUID.randomUUID() + "/register",
                            "{\"nbdAddress\":\"n:1\",\"adminUrl\":\"http://n\",\"labels\":{\"zone\":\"big\"},"
                                    + "\"drives\":[" + String.join(",", drives) + "]}")
                    .ok();
        }
        JsonNode cluster = admin.get("/v1/cluster").ok();
        assertThat(cluster.get("capacityBytes").asLong()).isEqualTo(Long.MAX_VALUE);
        assertThat(cluster.get("zones").get("big").get("freeBytes").asLong()).isEqualTo(Long.MAX_VALUE);
        assertThat(admin.get("/v1/nodes").ok().get(0).get("capacityBytes").asLong())
                .isPositive();
    }

    @Test
    void aNameThatIsAnIdIsRefusedAndIdsAreLookedUpFirst() {
        refused(
                admin,
                "POST",
                "/v1/volumes",
                "{\"name\":\"" + volumeId + "\",\"sizeBytes\":4096,\"class\":\"single\"}",
                400,
                "is a UUID, which would read as a volume id");
        assertThat(admin.get("/v1/volumes/" + volumeId).ok().get("name").asText())
                .isEqualTo("db");
        assertThat(admin.get("/v1/volumes/" + volumeId.toUpperCase(java.util.Locale.ROOT))
                        .ok()
                        .get("name")
                        .asText())
                .isEqualTo("db");
        refused(admin, "GET", "/v1/volumes/" + UUID.randomUUID(), null, 404, "no volume");
        refused(admin, "DELETE", "/v1/volumes/" + UUID.randomUUID(), null, 404, "no volume");
        // Not the canonical form of an id: a name, and no node has it.
        refused(admin, "GET", "/v1/nodes/1-2-3-4-5", null, 404, "no node '1-2-3-4-5' (nodes: ");
    }

    @Test
    void theExampleOfIssue14IsA400AndTheControllerGoesOn() {
        registerNode("c", 100);
        refused(
                admin,
                "POST",
                "/v1/volumes",
                "{\"name\":\"ovf\",\"sizeBytes\":9223372036853727232,\"class\":\"zone-3\"}",
                400,
                "volume size 9223372036853727232 is larger than the largest a volume may be, 70368744177664 (64 TiB)");
        heartbeatWithDesired(nodeA);
        assertThat(admin.post("/v1/volumes", "{\"name\":\"ok\",\"sizeBytes\":4096,\"class\":\"zone-3\"}")
                        .status())
                .isEqualTo(201);
    }

    @Test
    void aPeerStillReplayingItsLogAnswers503WithWhy() throws IOException {
        state.load(false);
        for (AdminHttp.Response r : List.of(
                admin.get("/v1/volumes"),
                anonymous.get("/health"),
                node.get("/v1/internal/nodes/" + nodeA + "/desired"))) {
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.body().get("error").asText())
                    .startsWith("controller peer local is starting: it has applied its log up to index");
        }
        assertThat(anonymous.get("/v1/volumes").status())
                .as("no token: still 401 first")
                .isEqualTo(401);
        assertThat(anonymous.get("/openapi.json").status()).isEqualTo(200);
        assertThat(raw("GET /metrics HTTP/1.1\r\n").status()).isEqualTo(200);
        state.load(true);
        assertThat(admin.get("/v1/volumes").ok()).hasSize(1);
    }

    @Test
    void whatTheHttpLayerRefusesComesInTheApiErrorShape() throws IOException {
        assertApiError(raw("GET /v1/volumes/%zz HTTP/1.1\r\n", false), 400);
        assertApiError(raw("GET /v1/volumes/%00 HTTP/1.1\r\n", false), 400);
        assertApiError(raw("GET /v1/volumes/" + "x".repeat(20_000) + " HTTP/1.1\r\n", false), 414);
        assertApiError(raw("GET /v1/volumes HTTP/1.1\r\nX-Big: " + "y".repeat(20_000) + "\r\n", false), 431);
        String big = "{\"name\":\"" + "n".repeat(2_000_000) + "\"}";
        AdminHttp.Response tooLarge = admin.call("POST", "/v1/volumes", big);
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.body().get("error").asText()).isEqualTo("request body too large: at most 1000000 bytes");
        assertThat(tooLarge.body().size()).isEqualTo(1);
    }

    @Test
    void aBodyNoRouteReadsStillLeavesTheConnectionUsable() throws Exception {
        // One keep-alive connection: a body left unread would make the server close it silently.
        try (HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            String big = "\"" + "z".repeat(900_000) + "\"";
            String base = "http://127.0.0.1:" + api.port();
            for (int i = 0; i < 5; i++) {
                for (String[] call : List.of(
                        new String[] {"POST", "/v1/nodes/" + nodeA + "/drain", ADMIN},
                        new String[] {"POST", "/v1/volumes", "not-a-token"},
                        new String[] {"DELETE", "/v1/volumes/nope", ADMIN},
                        new String[] {"GET", "/v1/volumes", ADMIN})) {
                    HttpResponse<String> r = http.send(
                            HttpRequest.newBuilder(URI.create(base + call[1]))
                                    .header("Authorization", "Bearer " + call[2])
                                    .method(call[0], HttpRequest.BodyPublishers.ofString(big))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).as(call[0] + " " + call[1]).isLessThan(500);
                }
            }
        }
    }

    private static void assertApiError(Raw r, int status) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.closes()).as("says it closes the connection: " + r).isTrue();
        assertThat(r.contentType()).as(r.toString()).startsWith("application/json");
        assertThat(r.body().get("error").asText()).as(r.toString()).isNotBlank();
        assertThat(r.body().size()).as(r.toString()).isEqualTo(1);
    }

    private record Raw(int status, String contentType, boolean closes, JsonNode body) {}

    /** Sends a request as written (no client cleans it up) and reads the answer. */
    private Raw raw(String requestHead) throws IOException {
        return raw(requestHead, true);
    }

    /** {@code askToClose}: send "Connection: close" (else the server must close on its own, after an error). */
    private Raw raw(String requestHead, boolean askToClose) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), api.port())) {
            OutputStream out = s.getOutputStream();
            out.write((requestHead + "Host: localhost\r\nAuthorization: Bearer " + ADMIN
                            + (askToClose ? "\r\nConnection: close" : "") + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            int status = Integer.parseInt(response.substring(9, 12));
            String head = response.substring(0, response.indexOf("\r\n\r\n"));
            String contentType = head.lines()
                    .filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("content-type:"))
                    .map(l -> l.substring(13).strip())
                    .findFirst()
                    .orElse("");
            String body = response.substring(response.indexOf("\r\n\r\n") + 4);
            JsonNode json;
            try {
                json = JSON.readTree(body);
            } catch (IOException e) {
                json = JSON.createObjectNode().put("unparsed", body);
            }
            boolean closes = head.lines().anyMatch(l -> l.equalsIgnoreCase("connection: close"));
            return new Raw(status, contentType, closes, json);
        }
    }
}
