package dev.cairn.control.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.testkit.AdminHttp;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Volumes through the REST API, from creation to reclaimed orphans. */
class VolumeApiTest extends ApiFixture {

    @Test
    void aVolumeIsPlacedAcrossZonesBecomesAvailableAndIsReclaimedAfterDelete() {
        UUID a = registerNode("a", 100);
        UUID b = registerNode("b", 100);
        UUID c = registerNode("c", 100);
        JsonNode v = admin.post("/v1/volumes", "{\"name\":\"db\",\"sizeBytes\":10737418240,\"class\":\"zone-3\"}")
                .ok();
        assertThat(v.get("state").asText()).isEqualTo("CREATING");
        assertThat(v.get("class").asText()).isEqualTo("zone-3");
        assertThat(texts(v.get("legs"), "zone")).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(v.toString()).doesNotContain("secret");

        JsonNode desired = node.get("/v1/internal/nodes/" + a + "/desired").ok();
        assertThat(desired.get("extents")).hasSize(1);
        assertThat(desired.get("extents").get(0).get("secret").asText()).hasSize(48);

        for (UUID n : new UUID[] {a, b, c}) {
            heartbeatWithDesired(n);
        }
        JsonNode shown = reader.get("/v1/volumes/db").ok();
        assertThat(shown.get("state").asText()).isEqualTo("AVAILABLE");
        assertThat(texts(shown.get("legs"), "state")).containsOnly("READY");
        assertThat(reader.get("/v1/volumes/" + shown.get("id").asText())
                        .ok()
                        .get("name")
                        .asText())
                .isEqualTo("db");

        assertThat(admin.delete("/v1/volumes/db").status()).isEqualTo(204);
        assertThat(reader.get("/v1/volumes/db").status()).isEqualTo(404);
        assertThat(reader.get("/v1/orphans").ok()).hasSize(3);
        assertThat(node.get("/v1/internal/nodes/" + a + "/desired").ok().get("extents"))
                .isEmpty();
        JsonNode desiredAfter = node.get("/v1/internal/nodes/" + a + "/desired").ok();
        assertThat(desiredAfter.get("erase")).hasSize(1);
        node.post(
                        "/v1/internal/nodes/" + a + "/heartbeat",
                        "{\"drives\":" + reportedDrives(a)
                                + ",\"extents\":[],\"errors\":[],\"reconciledIndex\":"
                                + desiredAfter.get("appliedIndex") + "}")
                .ok();
        assertThat(reader.get("/v1/orphans").ok()).hasSize(2);
        JsonNode cluster = reader.get("/v1/cluster").ok();
        assertThat(cluster.get("nodes").asInt()).isEqualTo(3);
        assertThat(cluster.get("zones").get("a").get("online").asInt()).isEqualTo(1);
        assertThat(cluster.get("orphans").asInt()).isEqualTo(2);
    }

    @Test
    void aVolumeGrowsOnceItsNodesHaveGrownItsLegsAndABadSizeIsRefusedSayingWhy() {
        UUID a = registerNode("a", 100);
        availableVolume("v", "single", a);
        assertThat(admin.post("/v1/volumes/v/resize", "{}").status()).isEqualTo(400);
        assertThat(admin.post("/v1/volumes/v/resize", "{\"sizeBytes\":4097}")
                        .body()
                        .get("error")
                        .asText())
                .contains("not a multiple of 4096");
        assertThat(admin.post("/v1/volumes/v/resize", "{\"sizeBytes\":4096}")
                        .body()
                        .get("error")
                        .asText())
                .contains("a volume never shrinks");
        assertThat(admin.post("/v1/volumes/nope/resize", "{\"sizeBytes\":4096}").status())
                .isEqualTo(404);
        assertThat(reader.post("/v1/volumes/v/resize", "{\"sizeBytes\":2147483648}")
                        .status())
                .isEqualTo(403);

        JsonNode asked =
                admin.post("/v1/volumes/v/resize", "{\"sizeBytes\":2147483648}").ok();
        assertThat(asked.get("sizeBytes").asLong())
                .as("until its node grew the leg")
                .isEqualTo(1L << 30);
        assertThat(node.get("/v1/internal/nodes/" + a + "/desired")
                        .ok()
                        .get("extents")
                        .get(0)
                        .get("sizeBytes")
                        .asLong())
                .isEqualTo((2L << 30) + (1 << 20));
        assertThat(asked.get("growing").get("toBytes").asLong()).isEqualTo(2L << 30);
        assertThat(asked.get("growing").get("waiting").get(0).asText())
                .startsWith("leg 0 on node ")
                .endsWith(": its extent is 1.0 GiB, 2.0 GiB wanted");
        heartbeatWithDesired(a);
        JsonNode grown = reader.get("/v1/volumes/v").ok();
        assertThat(grown.get("sizeBytes").asLong()).isEqualTo(2L << 30);
        boolean growingShown = grown.hasNonNull("growing");
        assertThat(growingShown).isFalse();
    }

    @Test
    void aNodeLongPollsForItsDesiredExtents() throws Exception {
        UUID a = registerNode("a", 100);
        long seen = node.get("/v1/internal/nodes/" + a + "/desired")
                .ok()
                .get("changedAt")
                .asLong();
        CompletableFuture<AdminHttp.Response> poll = CompletableFuture.supplyAsync(
                () -> node.get("/v1/internal/nodes/" + a + "/desired?after=" + seen + "&waitMillis=20000"));
        assertThat(poll).isNotDone();
        admin.post("/v1/volumes", "{\"name\":\"v\",\"sizeBytes\":1073741824,\"class\":\"single\"}")
                .ok();
        JsonNode changed = poll.get(10, TimeUnit.SECONDS).ok();
        assertThat(changed.get("changedAt").asLong()).isGreaterThan(seen);
        assertThat(changed.get("extents")).hasSize(1);
        JsonNode timedOut = node.get("/v1/internal/nodes/" + a + "/desired?after="
                        + changed.get("changedAt").asLong() + "&waitMillis=50")
                .ok();
        assertThat(timedOut.get("changedAt").asLong())
                .isEqualTo(changed.get("changedAt").asLong());
    }

    @Test
    void classesAndLabelsAreManagedThroughTheApi() {
        UUID n = registerNode("a", 100);
        JsonNode labelled = admin.put("/v1/nodes/" + n + "/labels", "{\"set\":{\"rack\":\"r1\"},\"remove\":[]}")
                .ok();
        assertThat(labelled.get("labels").get("rack").asText()).isEqualTo("r1");
        JsonNode created = admin.post(
                        "/v1/classes",
                        "{\"name\":\"rack-1\",\"replicas\":1,\"spreadAcross\":\"rack\","
                                + "\"prefer\":\"zone=a\",\"repairTimeout\":\"PT2M\"}")
                .ok();
        assertThat(created.get("repairTimeout").asText()).isEqualTo("PT2M");
        assertThat(created.get("regionSizeBytes").asLong()).isEqualTo(1 << 20);
        assertThat(texts(reader.get("/v1/classes").ok(), "name")).contains("single", "zone-2", "zone-3", "rack-1");
        assertThat(reader.get("/v1/classes/rack-1").ok().get("prefer").asText()).isEqualTo("zone=a");
        assertThat(admin.delete("/v1/classes/rack-1").status()).isEqualTo(204);
        assertThat(reader.get("/v1/classes/rack-1").status()).isEqualTo(404);
        assertThat(reader.get("/v1/nodes").ok()).hasSize(1);
    }

    @Test
    void anExtentTheControllerNeverKnewIsKeptUntilTheOperatorHasItErased() {
        UUID a = registerNode("a", 100);
        String stray = UUID.randomUUID().toString();
        JsonNode drives = reportedDrives(a);
        node.post(
                        "/v1/internal/nodes/" + a + "/heartbeat",
                        "{\"drives\":" + drives + ",\"extents\":[{\"id\":\"" + stray + "\",\"driveId\":"
                                + drives.get(0).get("id") + ",\"sizeBytes\":4096,\"erasing\":false,"
                                + "\"generation\":1}]}")
                .ok();
        JsonNode orphan = reader.get("/v1/orphans").ok().get(0);
        assertThat(orphan.get("extentId").asText()).isEqualTo(stray);
        assertThat(orphan.get("erase").asBoolean()).isFalse();
        assertThat(node.get("/v1/internal/nodes/" + a + "/desired").ok().get("erase"))
                .isEmpty();

        AdminHttp.Response erased = admin.delete("/v1/orphans/" + stray);
        assertThat(erased.status()).isEqualTo(202);
        assertThat(erased.body().get("erase").asBoolean()).isTrue();
        assertThat(node.get("/v1/internal/nodes/" + a + "/desired")
                        .ok()
                        .get("erase")
                        .get(0)
                        .asText())
                .isEqualTo(stray);
        assertThat(admin.delete("/v1/orphans/" + UUID.randomUUID()).status()).isEqualTo(404);
    }
}
