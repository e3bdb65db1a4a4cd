package dev.cairn.control.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.testkit.AdminHttp;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Attaching volumes to client agents through the REST API, and what the agents report. */
class AttachApiTest extends ApiFixture {
    private List<UUID> nodes;

    @BeforeEach
    void threeZones() {
        nodes = List.of(registerNode("a", 100), registerNode("b", 100), registerNode("c", 100));
    }

    private JsonNode availableDb() {
        return availableVolume("db", "zone-3", nodes.toArray(UUID[]::new));
    }

    /** A report of the volume under {@code generation}: leg i in {@code states[i]}, leg 2 failed with an error. */
    private static String report(JsonNode volume, long generation, String... states) {
        StringBuilder legs = new StringBuilder();
        for (int i = 0; i < states.length; i++) {
            legs.append(i == 0 ? "" : ",")
                    .append("{\"extentId\":\"")
                    .append(volume.get("legs").get(i).get("extentId").asText())
                    .append("\",\"state\":\"")
                    .append(states[i])
                    .append('"')
                    .append(states[i].equals("FAILED") ? ",\"error\":\"connection lost\"" : "")
                    .append('}');
        }
        return "{\"volumeId\":\"" + volume.get("id").asText() + "\",\"generation\":" + generation + ",\"legs\":["
                + legs + "],\"resync\":{\"doneBytes\":1048576,\"totalBytes\":4194304,\"bytesPerSecond\":"
                + "1000000,\"copiedBytes\":2097152}}";
    }

    @Test
    void aVolumeIsAttachedReportedOnAndDetached() {
        JsonNode v = availableDb();
        assertThat(v.get("attachment").isNull()).isTrue();
        agentHeartbeat("h1");
        clock.advance(Duration.ofSeconds(5));

        JsonNode attached =
                admin.post("/v1/volumes/db/attach", "{\"host\":\"h1\"}").ok();
        JsonNode at = attached.get("attachment");
        assertThat(at.get("host").asText()).isEqualTo("h1");
        assertThat(at.get("generation").asLong()).isEqualTo(2);
        assertThat(at.get("since").asText()).isEqualTo("2026-01-01T00:00:05Z");
        assertThat(at.get("nbdAddress").asText()).isEqualTo("h1:10810");
        assertThat(at.get("exportName").asText()).isEqualTo(v.get("id").asText());
        assertThat(texts(attached.get("legs"), "generation")).containsOnly("2");
        for (UUID n : nodes) {
            JsonNode extents =
                    node.get("/v1/internal/nodes/" + n + "/desired").ok().get("extents");
            assertThat(extents.get(0).get("generation").asLong())
                    .as("node " + n)
                    .isEqualTo(2);
        }

        agentHeartbeat("h1", report(v, 1, "FAILED", "FAILED", "FAILED"));
        JsonNode stale = reader.get("/v1/volumes/db").ok();
        assertThat(stale.get("resync").isNull())
                .as("a report of an older generation")
                .isTrue();
        assertThat(stale.get("legs").findValues("sync")).allMatch(JsonNode::isNull);

        agentHeartbeat("h1", report(v, 2, "IN_SYNC", "SYNCING", "FAILED"));
        JsonNode shown = reader.get("/v1/volumes/db").ok();
        assertThat(texts(shown.get("legs"), "sync")).containsExactly("IN_SYNC", "SYNCING", "FAILED");
        assertThat(shown.get("legs").get(0).get("syncError").isNull()).isTrue();
        assertThat(shown.get("legs").get(2).get("syncError").asText()).isEqualTo("connection lost");
        JsonNode resync = shown.get("resync");
        assertThat(resync.get("doneBytes").asLong()).isEqualTo(1 << 20);
        assertThat(resync.get("totalBytes").asLong()).isEqualTo(4 << 20);
        assertThat(resync.get("bytesPerSecond").asLong()).isEqualTo(1_000_000);
        assertThat(resync.get("copiedBytes").asLong()).isEqualTo(2 << 20);

        JsonNode cluster = reader.get("/v1/cluster").ok();
        assertThat(cluster.get("agents").asInt()).isEqualTo(1);
        assertThat(cluster.get("volumesAttached").asInt()).isEqualTo(1);
        JsonNode agent = reader.get("/v1/agents").ok().get(0);
        assertThat(agent.get("host").asText()).isEqualTo("h1");
        assertThat(agent.get("nbdAddress").asText()).isEqualTo("h1:10810");
        assertThat(agent.get("lastHeartbeat").asText()).isEqualTo("2026-01-01T00:00:05Z");
        assertThat(agent.get("volumes")).hasSize(1);
        assertThat(agent.get("volumes").get(0).asText()).isEqualTo("db");

        JsonNode detached = admin.post("/v1/volumes/db/detach", null).ok();
        assertThat(detached.get("attachment").isNull()).isTrue();
        assertThat(detached.get("resync").isNull()).isTrue();
        assertThat(detached.get("legs").findValues("sync")).allMatch(JsonNode::isNull);
        assertThat(texts(detached.get("legs"), "generation")).containsOnly("3");
        assertThat(reader.get("/v1/agents").ok().get(0).get("volumes")).isEmpty();
        assertThat(reader.get("/v1/cluster").ok().get("volumesAttached").asInt())
                .isZero();
    }

    @Test
    void aMoveNeedsForceAndFencesTheOldAgent() {
        availableDb();
        agentHeartbeat("h1");
        agentHeartbeat("h2");
        admin.post("/v1/volumes/db/attach", "{\"host\":\"h1\"}").ok();
        AdminHttp.Response refused = admin.post("/v1/volumes/db/attach", "{\"host\":\"h2\"}");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.body().get("error").asText())
                .isEqualTo("volume 'db' is attached to host 'h1'; detach it first, or force the move (the agent on"
                        + " 'h1' is fenced)");
        JsonNode moved = admin.post("/v1/volumes/db/attach", "{\"host\":\"h2\",\"force\":true}")
                .ok();
        assertThat(moved.get("attachment").get("host").asText()).isEqualTo("h2");
        assertThat(moved.get("attachment").get("generation").asLong()).isEqualTo(3);
        assertThat(texts(reader.get("/v1/agents").ok(), "host")).containsExactly("h1", "h2");
        assertThat(reader.get("/v1/agents").ok().get(1).get("volumes").get(0).asText())
                .isEqualTo("db");

        AdminHttp.Response delete = admin.delete("/v1/volumes/db");
        assertThat(delete.status()).isEqualTo(409);
        assertThat(delete.body().get("error").asText())
                .isEqualTo("volume 'db' is attached to host 'h2'; detach it first");
        assertThat(admin.post("/v1/volumes/db/attach", "{\"host\":\"h2\"}")
                        .ok()
                        .get("attachment")
                        .get("generation")
                        .asLong())
                .as("attaching again on the same host (after an agent crash) raises the generation")
                .isEqualTo(4);
    }

    @Test
    void anAgentLongPollsForTheVolumesAttachedToItsHost() throws Exception {
        JsonNode v = availableDb();
        agentHeartbeat("h1");
        JsonNode before = node.get("/v1/internal/agents/h1/desired").ok();
        assertThat(before.get("volumes")).isEmpty();
        long seen = before.get("changedAt").asLong();
        CompletableFuture<AdminHttp.Response> poll = CompletableFuture.supplyAsync(
                () -> node.get("/v1/internal/agents/h1/desired?after=" + seen + "&waitMillis=20000"));
        assertThat(poll).isNotDone();
        admin.post("/v1/volumes/db/attach", "{\"host\":\"h1\"}").ok();

        JsonNode changed = poll.get(10, TimeUnit.SECONDS).ok();
        assertThat(changed.get("changedAt").asLong()).isGreaterThan(seen);
        JsonNode volume = changed.get("volumes").get(0);
        assertThat(volume.get("volumeId").asText()).isEqualTo(v.get("id").asText());
        assertThat(volume.get("name").asText()).isEqualTo("db");
        assertThat(volume.get("sizeBytes").asLong()).isEqualTo(GIB);
        assertThat(volume.get("regionSizeBytes").asLong()).isEqualTo(1 << 20);
        assertThat(volume.get("generation").asLong()).isEqualTo(2);
        assertThat(volume.get("legs")).hasSize(3);
        for (JsonNode leg : volume.get("legs")) {
            assertThat(leg.get("nbdAddress").asText()).isEqualTo("127.0.0.1:10809");
            assertThat(leg.get("secret").asText()).hasSize(48);
            assertThat(leg.get("extentSizeBytes").asLong())
                    .isEqualTo(v.get("legs").get(0).get("extentSizeBytes").asLong());
        }
        JsonNode timedOut = node.get("/v1/internal/agents/h1/desired?after="
                        + changed.get("changedAt").asLong() + "&waitMillis=50")
                .ok();
        assertThat(timedOut.get("changedAt").asLong())
                .isEqualTo(changed.get("changedAt").asLong());
    }
}
