package dev.cairn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.control.api.ControlClient;
import dev.cairn.control.testing.ControllerHarness;
import dev.cairn.drive.ExtentAccess;
import dev.cairn.testkit.AdminHttp;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real node converging on a controller's REST API (in this JVM, over loopback HTTP). */
class ControllerLinkTest extends NodeFixture {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private ControllerHarness controller;
    private AdminHttp operator;
    private ControllerLink.Settings link;

    @BeforeEach
    void startController() {
        controller = ControllerHarness.start();
        operator = controller.client(Optional.of(ControllerHarness.ADMIN_TOKEN));
        link = new ControllerLink.Settings(
                ControlClient.urls(controller.url()),
                Optional.of(ControllerHarness.NODE_TOKEN),
                Duration.ofMillis(200),
                Duration.ofSeconds(2),
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
    }

    @AfterEach
    void stopController() {
        if (node != null) {
            node.close();
            node = null;
        }
        controller.close();
    }

    private JsonNode createVolume(String name) {
        await().atMost(WAIT).until(() -> operator.get("/v1/nodes").ok().size() == 1);
        return operator.post(
                        "/v1/volumes",
                        "{\"name\":\"" + name + "\",\"sizeBytes\":" + (32 << 20) + ",\"class\":\"single\"}")
                .ok();
    }

    private static UUID extentOf(JsonNode volume) {
        return UUID.fromString(volume.get("legs").get(0).get("extentId").asText());
    }

    private String volumeState(String name) {
        return operator.get("/v1/volumes/" + name).ok().get("state").asText();
    }

    private int orphans() {
        return operator.get("/v1/orphans").ok().size();
    }

    @Test
    void theNodeRegistersAndMakesTheExtentsOfANewVolume() throws IOException {
        startNode(1, Optional.of(link));
        JsonNode v = createVolume("v");
        UUID extent = extentOf(v);
        await().atMost(WAIT).until(() -> volumeState("v").equals("AVAILABLE"));
        ExtentService.Located made = node.extents().find(extent).orElseThrow();
        assertThat(made.record().sizeBytes())
                .isEqualTo(v.get("legs").get(0).get("extentSizeBytes").asLong());
        ExtentAccess access = made.record().access();
        assertThat(access.generation()).isEqualTo(1);
        assertThat(access.secret()).hasSize(48);
        JsonNode shown = operator.get("/v1/nodes/" + node.nodeId()).ok();
        assertThat(shown.get("labels").get("zone").asText()).isEqualTo("a");
        assertThat(shown.get("nbdAddress").asText())
                .isEqualTo("127.0.0.1:" + node.nbdAddress().getPort());
    }

    @Test
    void aNodeBehindAProxyAdvertisesTheAddressItIsTold() throws IOException {
        ControllerLink.Settings proxied = new ControllerLink.Settings(
                link.urls(),
                link.token(),
                link.heartbeatEvery(),
                link.pollWait(),
                Optional.of("127.0.0.9:7000"),
                Optional.empty(),
                Optional.empty());
        startNode(1, Optional.of(proxied));
        await().atMost(WAIT)
                .until(() -> operator.get("/v1/nodes/" + node.nodeId()).status() == 200);
        assertThat(operator.get("/v1/nodes/" + node.nodeId())
                        .ok()
                        .get("nbdAddress")
                        .asText())
                .isEqualTo("127.0.0.9:7000");
    }

    @Test
    void aNodeRegistersUnderTheNameItIsGivenAndIsFoundByIt() throws IOException {
        ControllerLink.Settings named = new ControllerLink.Settings(
                link.urls(),
                link.token(),
                link.heartbeatEvery(),
                link.pollWait(),
                Optional.empty(),
                Optional.empty(),
                Optional.of("storage-7"));
        startNode(1, Optional.of(named));
        await().atMost(WAIT).until(() -> operator.get("/v1/nodes/storage-7").status() == 200);
        assertThat(operator.get("/v1/nodes/storage-7").ok().get("id").asText())
                .isEqualTo(node.nodeId().toString());
    }

    @Test
    void aDeletedVolumesExtentIsErasedAndFreed() throws IOException {
        startNode(1, Optional.of(link));
        UUID extent = extentOf(createVolume("v"));
        await().atMost(WAIT).until(() -> volumeState("v").equals("AVAILABLE"));
        long used = node.extents().usage().usedBytes();
        assertThat(operator.delete("/v1/volumes/v").status()).isEqualTo(204);
        await().atMost(WAIT).until(() -> node.extents().find(extent).isEmpty() && orphans() == 0);
        assertThat(node.extents().usage().usedBytes()).isLessThan(used);
    }

    @Test
    void aNodeRestartedAfterItsVolumeWasDeletedErasesTheExtent() throws IOException {
        startNode(1, Optional.of(link));
        UUID extent = extentOf(createVolume("v"));
        await().atMost(WAIT).until(() -> volumeState("v").equals("AVAILABLE"));
        node.close();
        node = null;
        assertThat(operator.delete("/v1/volumes/v").status()).isEqualTo(204);
        assertThat(orphans()).isEqualTo(1);

        startNode(1, Optional.of(link));
        await().atMost(WAIT).until(() -> node.extents().find(extent).isEmpty() && orphans() == 0);
    }

    @Test
    void anExtentTheControllerNeverKnewIsKeptUntilAnOperatorReleasesIt() throws IOException {
        startNode(1, Optional.of(link));
        UUID stray = UUID.randomUUID();
        node.extents().create(Optional.of(stray), 1 << 20, Optional.empty(), ExtentAccess.OPEN);
        await().atMost(WAIT).until(() -> orphans() == 1);
        JsonNode orphan = operator.get("/v1/orphans").ok().get(0);
        assertThat(orphan.get("erase").asBoolean()).isFalse();
        // Another change to this node's desired state: the node converges on it and keeps the stray.
        UUID wanted = extentOf(createVolume("v"));
        await().atMost(WAIT).until(() -> volumeState("v").equals("AVAILABLE"));
        assertThat(node.extents().find(wanted)).isPresent();
        assertThat(node.extents().find(stray)).isPresent();

        assertThat(operator.delete("/v1/orphans/" + stray).status()).isEqualTo(202);
        await().atMost(WAIT).until(() -> node.extents().find(stray).isEmpty() && orphans() == 0);
        assertThat(node.extents().find(wanted)).isPresent();
    }
}
