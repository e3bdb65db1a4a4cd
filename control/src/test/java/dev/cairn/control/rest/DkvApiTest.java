package dev.cairn.control.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.testkit.AdminHttp;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The DKV's routes: reservations and their refusals, the status without secrets, the layout with them. */
class DkvApiTest extends ApiFixture {
    private static final long FIRST = 1L << 16;

    private AdminHttp.Response reserve(AdminHttp caller, String body) {
        return caller.call("POST", "/v1/dkv/reserve", body);
    }

    @Test
    void aReservationPlacesTheFirstShardAndIsUsableOnceTheNodesServeIt() {
        assertThat(reserve(admin, "{\"keys\": 10, \"waitMillis\": 0}").status())
                .as("no node yet")
                .isEqualTo(422);
        List<UUID> nodes = List.of(registerNode("a", 1), registerNode("b", 1), registerNode("c", 1));
        String before = admin.get("/v1/dkv").ok().toString();
        AdminHttp.Response first = reserve(admin, "{\"keys\": 10, \"waitMillis\": 0}");
        assertThat(first.status()).isEqualTo(201);
        JsonNode r = first.body();
        assertThat(r.get("firstKey").asLong()).isEqualTo(FIRST);
        assertThat(r.get("usable").asBoolean())
                .as("the nodes have not made their KV volumes")
                .isFalse();
        assertThat(admin.get("/v1/dkv").ok().toString()).isNotEqualTo(before);

        nodes.forEach(this::heartbeatWithDesired);
        JsonNode again = reserve(admin, "{\"keys\": 5, \"waitMillis\": 1000}").ok();
        assertThat(again.get("firstKey").asLong()).isEqualTo(FIRST + 10);
        assertThat(again.get("usable").asBoolean()).isTrue();
        JsonNode status = admin.get("/v1/dkv").ok();
        assertThat(status.get("reservedKeys").asLong()).isEqualTo(15);
        assertThat(status.get("shards")).hasSize(1);
        assertThat(status.get("shards").get(0).get("mirrors")).hasSize(3);
        assertThat(status.toString()).doesNotContain("\"secret\":\"");
        JsonNode layout = node.get("/v1/internal/dkv/layout").ok();
        assertThat(layout.get("shards")
                        .get(0)
                        .get("mirrors")
                        .get(0)
                        .get("secret")
                        .asText())
                .isNotBlank();
    }

    @Test
    void badReservationsAreRefusedSayingWhatIsWrongAndChangeNothing() {
        registerNode("a", 1);
        registerNode("b", 1);
        registerNode("c", 1);
        String before = admin.get("/v1/dkv").ok().toString();
        for (String body : List.of(
                "{\"keys\": 0}",
                "{\"keys\": -1}",
                "{\"keys\": 1048577}",
                "{\"keys\": 9223372036854775807}",
                "{\"keys\": 10, \"waitMillis\": -1}",
                "{\"keys\": 10, \"waitMillis\": 120001}",
                "{\"waitMillis\": 10}",
                "{\"keys\": \"ten\"}",
                "{\"keys\": 10, \"extra\": 1}")) {
            AdminHttp.Response res = reserve(admin, body);
            assertThat(res.status()).as(body).isEqualTo(400);
            assertThat(res.body().get("error").asText()).as(body).isNotBlank();
        }
        assertThat(reserve(admin, "{\"keys\": 0}").body().get("error").asText())
                .isEqualTo("keys must be from 1 to 1048576, got 0");
        assertThat(reserve(reader, "{\"keys\": 10}").status()).isEqualTo(403);
        assertThat(reader.get("/v1/internal/dkv/layout").status()).isEqualTo(403);
        assertThat(admin.get("/v1/dkv").ok().toString()).isEqualTo(before);
    }

    @Test
    void aReservationTheDrivesCannotHoldSaysWhyAndPlacesNothing() {
        registerNode("a", 1);
        registerNode("b", 1);
        registerNode("c", 1);
        // Two KV volumes of 16 MiB a drive: three one-drive nodes hold two shards, not three.
        AdminHttp.Response res = reserve(admin, "{\"keys\": " + 3 * 4096 + ", \"waitMillis\": 0}");
        assertThat(res.status()).isEqualTo(422);
        assertThat(res.body().get("error").asText()).contains("no room for shard 2 of the DKV");
        assertThat(admin.get("/v1/dkv").ok().get("shards")).isEmpty();
    }
}
