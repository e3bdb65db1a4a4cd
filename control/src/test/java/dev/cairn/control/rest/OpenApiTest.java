package dev.cairn.control.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.BStoreRebuild;
import dev.cairn.control.api.RebalanceView;
import dev.cairn.control.api.ReprotectView;
import dev.cairn.control.api.Requests;
import dev.cairn.control.api.Views;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The OpenAPI document the controller serves describes exactly the endpoints it has. */
class OpenApiTest extends ApiFixture {

    @Test
    void theDocumentListsEveryEndpointAndNothingElse() {
        JsonNode doc = anonymous.get("/openapi.json").ok();
        List<String> documented = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : doc.get("paths").properties()) {
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                documented.add(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
            }
        }
        List<String> served = new ArrayList<>(List.of("GET /health", "GET /metrics", "GET /openapi.json"));
        ControllerApi.routes(
                        new AdminRoutes(state, clock, 0, erasure),
                        new NodeRoutes(state, clock, 0, 0, ControllerApi.Settings.DEFAULT_KV_LEASE, erasure),
                        new AgentRoutes(state, clock, 0, erasure),
                        new RepairRoutes(state, clock, 0, erasure),
                        new RebalanceRoutes(state, 0, layouts),
                        dkv)
                .forEach(r -> served.add(r.method().name() + " " + r.path()));
        assertThat(documented).containsExactlyInAnyOrderElementsOf(served);
    }

    @Test
    void everyProtectedOperationDocumentsItsRefusals() {
        JsonNode doc = anonymous.get("/openapi.json").ok();
        assertThat(doc.at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
        for (Map.Entry<String, JsonNode> path : doc.get("paths").properties()) {
            if (!path.getKey().startsWith("/v1/")) {
                continue;
            }
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                JsonNode responses = op.getValue().get("responses");
                String what = op.getKey() + " " + path.getKey();
                assertThat(responses.has("401")).as(what).isTrue();
                boolean changes = !op.getKey().equals("get") || path.getKey().startsWith("/v1/internal/");
                assertThat(responses.has("403")).as(what).isEqualTo(changes);
                assertThat(op.getValue().get("summary").asText()).as(what).isNotBlank();
            }
        }
    }

    @Test
    void everySchemaHasExactlyTheFieldsOfItsRecord() {
        JsonNode schemas = anonymous.get("/openapi.json").ok().get("components").get("schemas");
        Map<String, Class<?>> records = new TreeMap<>();
        for (Class<?> c : Views.class.getDeclaredClasses()) {
            if (c.isRecord()) { // the enums are described where they are used
                records.put(c.getSimpleName().replaceFirst("View$", ""), c);
            }
        }
        for (Class<?> c : Requests.class.getDeclaredClasses()) {
            records.put(c.getSimpleName(), c);
        }
        records.put("BStoreRebuild", BStoreRebuild.class);
        records.put("Reprotect", ReprotectView.class);
        records.put("Rebalance", RebalanceView.class);
        records.put("DriveFill", RebalanceView.DriveFill.class);
        for (Class<?> c : AgentApi.class.getDeclaredClasses()) {
            if (c.isRecord()) { // LegSyncState is an enum, described where it is used
                assertThat(records.put(c.getSimpleName().replaceFirst("View$", ""), c))
                        .as("a schema name for " + c)
                        .isNull();
            }
        }
        assertThat(iterableNames(schemas)).containsExactlyInAnyOrderElementsOf(records.keySet());
        records.forEach((name, type) -> {
            List<String> fields = new ArrayList<>();
            for (RecordComponent rc : type.getRecordComponents()) {
                JsonProperty renamed = rc.getAccessor().getAnnotation(JsonProperty.class);
                fields.add(renamed == null ? rc.getName() : renamed.value());
            }
            assertThat(iterableNames(schemas.get(name).get("properties")))
                    .as(name)
                    .containsExactlyInAnyOrderElementsOf(fields);
        });
    }

    private static List<String> iterableNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
