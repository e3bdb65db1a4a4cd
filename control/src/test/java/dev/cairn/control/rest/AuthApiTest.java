package dev.cairn.control.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.testkit.AdminHttp;
import io.javalin.http.HandlerType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Every endpoint refuses a caller without a valid token, and each token can do only its part. */
class AuthApiTest extends ApiFixture {

    private List<ControllerApi.Route> endpoints() {
        return ControllerApi.routes(
                new AdminRoutes(state, clock, 0, erasure),
                new NodeRoutes(state, clock, 0, 0, ControllerApi.Settings.DEFAULT_KV_LEASE, erasure),
                new AgentRoutes(state, clock, 0, erasure),
                new RepairRoutes(state, clock, 0, erasure),
                new RebalanceRoutes(state, 0, layouts),
                dkv);
    }

    /** The route's path with its parameters filled in with values that exist. */
    private static String concrete(String path, UUID nodeId) {
        return path.replace("{id}", nodeId.toString())
                .replace("{name}", "single")
                .replace("{volume}", "v")
                .replace("{host}", "h1")
                .replace("{extent}", nodeId.toString())
                .replace("{leg}", "0");
    }

    private static String body(HandlerType method) {
        return method.equals(HandlerType.GET) || method.equals(HandlerType.DELETE) ? null : "{}";
    }

    private String snapshot() {
        return admin.get("/v1/nodes").ok() + " " + admin.get("/v1/classes").ok() + " "
                + admin.get("/v1/volumes").ok() + " " + admin.get("/v1/orphans").ok() + " "
                + admin.get("/v1/agents").ok();
    }

    @Test
    void everyEndpointRefusesMissingOrWrongTokensWith401() {
        UUID n = registerNode("a", 10);
        AdminHttp wrong = new AdminHttp("http://127.0.0.1:" + api.port(), Optional.of("not-a-token"));
        String before = snapshot();
        for (ControllerApi.Route r : endpoints()) {
            String path = concrete(r.path(), n);
            for (AdminHttp caller : List.of(anonymous, wrong)) {
                AdminHttp.Response res = caller.call(r.method().name(), path, body(r.method()));
                assertThat(res.status()).as(r.method() + " " + path).isEqualTo(401);
                assertThat(res.body().get("error").asText()).isEqualTo("missing or invalid bearer token");
            }
        }
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void aTokenMustComeAsABearerHeader() throws Exception {
        for (String header :
                List.of("Basic " + ADMIN, ADMIN, "Bearer", "Bearer " + ADMIN + "x", "Bearer " + READ + ADMIN)) {
            HttpResponse<String> res = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/v1/volumes"))
                                    .header("Authorization", header)
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(res.statusCode()).as(header).isEqualTo(401);
        }
        assertThat(admin.get("/v1/volumes").status()).isEqualTo(200);
    }

    @Test
    void healthAndTheOpenApiDocumentNeedNoToken() {
        JsonNode health = anonymous.get("/health").ok();
        assertThat(health.get("status").asText()).isEqualTo("ok");
        assertThat(health.get("leader").asBoolean()).isTrue();
        assertThat(anonymous.get("/openapi.json").ok().get("openapi").asText()).startsWith("3.");
    }

    @Test
    void theReadOnlyTokenReadsEverythingButChangesNothing() {
        UUID n = registerNode("a", 10);
        admin.post("/v1/volumes", "{\"name\":\"v\",\"sizeBytes\":1073741824,\"class\":\"single\"}")
                .ok();
        String before = snapshot();
        for (ControllerApi.Route r : endpoints()) {
            String path = concrete(r.path(), n);
            AdminHttp.Response res = reader.call(r.method().name(), path, body(r.method()));
            boolean internal = r.path().startsWith("/v1/internal/");
            if (r.method().equals(HandlerType.GET) && !internal) {
                assertThat(res.status()).as(r.method() + " " + path).isEqualTo(200);
            } else {
                assertThat(res.status()).as(r.method() + " " + path).isEqualTo(403);
                assertThat(res.body().get("error").asText())
                        .isEqualTo("a read-only token cannot " + r.method() + " " + path);
            }
        }
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void theNodeTokenOnlyMakesTheNodesCalls() {
        UUID n = registerNode("a", 10);
        String before = snapshot();
        for (ControllerApi.Route r : endpoints()) {
            if (r.path().startsWith("/v1/internal/")) {
                continue;
            }
            AdminHttp.Response res = node.call(r.method().name(), concrete(r.path(), n), body(r.method()));
            assertThat(res.status()).as(r.method() + " " + r.path()).isEqualTo(403);
            assertThat(res.body().get("error").asText())
                    .isEqualTo("the node token is only for the calls of nodes and agents");
        }
        assertThat(snapshot()).isEqualTo(before);
        assertThat(node.get("/v1/internal/nodes/" + n + "/desired").status()).isEqualTo(200);
        assertThat(node.post("/v1/internal/agents/h1/heartbeat", "{\"nbdAddress\":\"127.0.0.1:10810\"}")
                        .status())
                .isEqualTo(204);
        assertThat(node.get("/v1/internal/agents/h1/desired").ok().get("volumes"))
                .isEmpty();
        assertThat(admin.get("/v1/agents").ok().findValuesAsText("host")).containsExactly("h1");
    }

    @Test
    void onlyTheAdminTokenAttachesAndDetaches() {
        UUID n = registerNode("a", 10);
        admin.post("/v1/volumes", "{\"name\":\"v\",\"sizeBytes\":1073741824,\"class\":\"single\"}")
                .ok();
        heartbeatWithDesired(n);
        node.post("/v1/internal/agents/h1/heartbeat", "{\"nbdAddress\":\"127.0.0.1:10810\"}")
                .ok();
        String attach = "{\"host\":\"h1\"}";
        String before = snapshot();
        for (AdminHttp caller : List.of(reader, node)) {
            assertThat(caller.post("/v1/volumes/v/attach", attach).status()).isEqualTo(403);
            assertThat(caller.post("/v1/volumes/v/detach", null).status()).isEqualTo(403);
        }
        assertThat(snapshot()).isEqualTo(before);
        assertThat(admin.post("/v1/volumes/v/attach", attach)
                        .ok()
                        .get("attachment")
                        .get("host")
                        .asText())
                .isEqualTo("h1");
        assertThat(reader.post("/v1/volumes/v/detach", null).status()).isEqualTo(403);
        assertThat(admin.post("/v1/volumes/v/detach", null)
                        .ok()
                        .get("attachment")
                        .isNull())
                .isTrue();
    }

    @Test
    void anUnknownEndpointIsA404WithAReason() {
        AdminHttp.Response res = admin.get("/v1/volumez");
        assertThat(res.status()).isEqualTo(404);
        assertThat(res.body().get("error").asText()).isEqualTo("no such endpoint: GET /v1/volumez");
    }
}
