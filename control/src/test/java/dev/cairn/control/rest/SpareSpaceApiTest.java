package dev.cairn.control.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.testkit.AdminHttp;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** With a spare fraction, every drive shows what it holds back and placement leaves it free. */
class SpareSpaceApiTest extends ApiFixture {
    SpareSpaceApiTest() {
        spareFraction = 0.1;
    }

    @Test
    void placementLeavesTheSpareSpaceOfEveryDriveFree() {
        UUID n = registerNode("a", 100);
        assertThat(reader.get("/v1/nodes/" + n)
                        .ok()
                        .get("drives")
                        .get(0)
                        .get("spareBytes")
                        .asLong())
                .isEqualTo(10 * GIB);
        AdminHttp.Response tooBig =
                admin.post("/v1/volumes", "{\"name\":\"big\",\"sizeBytes\":" + 95 * GIB + ",\"class\":\"single\"}");
        assertThat(tooBig.status()).isEqualTo(422);
        assertThat(admin.post("/v1/volumes", "{\"name\":\"fits\",\"sizeBytes\":" + 85 * GIB + ",\"class\":\"single\"}")
                        .status())
                .isEqualTo(201);
    }
}
