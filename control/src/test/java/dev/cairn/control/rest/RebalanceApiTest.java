package dev.cairn.control.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.Volume;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.Outcome;
import dev.cairn.testkit.AdminHttp;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The rebalance's endpoints: status, pause, resume, spread, and what they refuse. */
class RebalanceApiTest extends ApiFixture {

    @Test
    void statusShowsEveryDrivesFillAndPauseResumeAndSpreadChangeIt() {
        UUID small = registerNode("a", 10, "small");
        UUID large = registerNode("b", 40, "large");
        JsonNode status = reader.get("/v1/rebalance").ok();
        assertThat(status.get("paused").asBoolean()).isFalse();
        assertThat(status.get("thresholdPoints").asDouble()).isEqualTo(5.0);
        assertThat(status.get("spreadPoints").asDouble()).isZero();
        assertThat(status.get("balanced").asBoolean()).isTrue();
        assertThat(status.get("drives")).hasSize(2);
        assertThat(status.get("drives").get(0).get("dataBytes").asLong()).isIn(10 * GIB, 40 * GIB);
        assertThat(status.get("drives").findValuesAsText("nodeId"))
                .containsExactlyInAnyOrder(small.toString(), large.toString());

        JsonNode paused = admin.post("/v1/rebalance/pause", "").ok();
        assertThat(paused.get("paused").asBoolean()).isTrue();
        assertThat(paused.get("waiting").asText()).isEqualTo("paused by the operator");
        assertThat(reader.get("/v1/cluster").ok().at("/rebalance/paused").asBoolean())
                .isTrue();
        assertThat(admin.post("/v1/rebalance/resume", "").ok().get("paused").asBoolean())
                .isFalse();

        JsonNode wider = admin.put("/v1/rebalance", "{\"spreadPoints\":12.5}").ok();
        assertThat(wider.get("thresholdPoints").asDouble()).isEqualTo(12.5);
    }

    @Test
    void aSpreadOutOfRangeOrMissingIsABadRequestAndAReaderMayNotChangeAnything() {
        AdminHttp.Response zero = admin.put("/v1/rebalance", "{\"spreadPoints\":0}");
        assertThat(zero.status()).isEqualTo(400);
        assertThat(zero.body().get("error").asText()).isEqualTo("spreadPoints must be from 0.5 to 50.0, got 0.0");
        AdminHttp.Response missing = admin.put("/v1/rebalance", "{}");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.body().get("error").asText()).isEqualTo("spreadPoints is required");
        AdminHttp.Response text = admin.put("/v1/rebalance", "{\"spreadPoints\":\"five\"}");
        assertThat(text.status()).isEqualTo(400);
        assertThat(reader.post("/v1/rebalance/pause", "").status()).isEqualTo(403);
        assertThat(reader.get("/v1/rebalance").ok().get("thresholdPoints").asDouble())
                .isEqualTo(5.0);
    }

    @Test
    void aMoveRunsUntilItsVolumeIsDeletedAndIsNotShownAfter() throws Exception {
        UUID a = registerNode("a", 10);
        UUID b = registerNode("b", 10);
        UUID c = registerNode("c", 10);
        admin.post("/v1/volumes", "{\"name\":\"db\",\"sizeBytes\":" + GIB + ",\"class\":\"zone-3\"}")
                .ok();
        for (UUID n : List.of(a, b, c)) {
            heartbeatWithDesired(n);
        }
        UUID a2 = registerNode("a", 40);
        Volume v = state.read(s -> s.volumeNamed("db").orElseThrow());
        Leg onA =
                v.legs().stream().filter(l -> l.nodeId().equals(a)).findFirst().orElseThrow();
        UUID drive = state.read(s -> s.nodes().get(a2).drives().getFirst().id());
        Outcome o = state.submit(new Command.MoveLeg(
                v.id(), onA.extentId(), drive, UUID.randomUUID(), "secret-m", 2, 0, clock.millis()));
        assertThat(o.message()).isEmpty();
        JsonNode moving = reader.get("/v1/rebalance").ok();
        assertThat(moving.get("movesRunning").asInt()).isEqualTo(1);
        assertThat(moving.get("waiting").asText()).isEqualTo("volume db has a leg being filled");

        admin.delete("/v1/volumes/db");
        JsonNode after = reader.get("/v1/rebalance").ok();
        assertThat(after.get("movesRunning").asInt()).isZero();
        assertThat(after.get("bytesMoving").asLong()).isZero();
        assertThat(after.get("moves").asLong()).as("not finished: not counted").isZero();
    }
}
