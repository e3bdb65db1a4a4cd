package dev.cairn.control.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.control.raft.RaftSettings;
import dev.cairn.local.FreePorts;
import dev.cairn.testkit.AdminHttp;
import dev.cairn.testkit.FakeClock;
import dev.cairn.testkit.PrometheusText;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real controller peer (Ratis, REST API) scraped at {@code /metrics}: it leads, its applied
 * index follows the commands, and the cluster gauges follow what the nodes and the operator did.
 */
class ControllerMetricsTest {
    private static final long GIB = 1L << 30;

    @TempDir
    Path dir;

    private Controller controller;
    private AdminHttp admin;
    private AdminHttp node;

    @BeforeEach
    void start() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        RaftSettings raft = new RaftSettings(
                "c1",
                List.of(new RaftSettings.Peer("c1", new InetSocketAddress(loopback, FreePorts.next()))),
                dir,
                Duration.ofMillis(400),
                Duration.ofSeconds(10),
                10_000);
        controller = Controller.start(
                new ControllerConfig(
                        raft,
                        new InetSocketAddress(loopback, 0),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        Duration.ofSeconds(30),
                        0,
                        2,
                        0,
                        Optional.of(dir.resolve("ready.json")),
                        Optional.empty(),
                        ControllerConfig.Dkv.DEFAULT),
                new FakeClock());
        admin = new AdminHttp(controller.restUrl(), Optional.of(token("admin")));
        node = new AdminHttp(controller.restUrl(), Optional.of(token("node")));
    }

    @AfterEach
    void stop() {
        if (controller != null) {
            controller.close();
        }
    }

    private String token(String role) throws Exception {
        return Files.readString(dir.resolve("tokens/" + role + ".token")).strip();
    }

    private PrometheusText scrape() {
        return PrometheusText.scrape(controller.metricsUrl());
    }

    private static String drive(UUID id) {
        return "{\"id\":\"" + id + "\",\"capacityBytes\":" + 10 * GIB + ",\"dataBytes\":" + 10 * GIB
                + ",\"usedBytes\":0,\"largestFreeBytes\":" + 10 * GIB + "}";
    }

    @Test
    void theLeaderItsIndexesAndTheClusterShow() throws Exception {
        await().atMost(Duration.ofSeconds(20)).until(() -> scrape().value("cairn_controller_raft_leader") == 1);
        PrometheusText before = scrape();
        assertThat(before.value("cairn_controller_raft_peers")).isEqualTo(1);
        assertThat(before.value("cairn_controller_raft_term")).isGreaterThanOrEqualTo(1);
        assertThat(before.value("cairn_controller_nodes", "state", "online")).isZero();
        assertThat(before.sum("cairn_controller_volumes")).isZero();
        assertThat(before.value("cairn_controller_repairs_started_total", "reason", "repair"))
                .isZero();
        assertThat(before.value("cairn_controller_repairs_started_total", "reason", "drain"))
                .isZero();

        UUID nodeId = UUID.randomUUID();
        UUID driveId = UUID.randomUUID();
        node.post(
                        "/v1/internal/nodes/" + nodeId + "/register",
                        "{\"nbdAddress\":\"127.0.0.1:10809\",\"adminUrl\":\"http://127.0.0.1:8410\","
                                + "\"labels\":{\"zone\":\"a\"},\"drives\":[" + drive(driveId) + "]}")
                .ok();
        PrometheusText registered = scrape();
        assertThat(registered.value("cairn_controller_raft_applied_index"))
                .as("the registration was applied")
                .isGreaterThan(before.value("cairn_controller_raft_applied_index"));
        assertThat(registered.value("cairn_controller_raft_commit_index"))
                .isGreaterThanOrEqualTo(registered.value("cairn_controller_raft_applied_index"));
        assertThat(registered.value("cairn_controller_nodes", "state", "online"))
                .isEqualTo(1);
        assertThat(registered.value("cairn_controller_nodes", "state", "offline"))
                .isZero();
        assertThat(registered.value("cairn_controller_capacity_bytes")).isEqualTo(10 * GIB);
        assertThat(registered.value("cairn_controller_free_bytes")).isEqualTo(10 * GIB);

        assertThat(admin.post("/v1/volumes", "{\"name\":\"db\",\"sizeBytes\":" + GIB + ",\"class\":\"single\"}")
                        .status())
                .isEqualTo(201);
        JsonNode leg = admin.get("/v1/volumes/db").ok().get("legs").get(0);
        node.post(
                        "/v1/internal/nodes/" + nodeId + "/heartbeat",
                        "{\"drives\":[" + drive(driveId) + "],\"extents\":[{\"id\":\""
                                + leg.get("extentId").asText()
                                + "\",\"driveId\":\"" + driveId + "\",\"sizeBytes\":"
                                + leg.get("extentSizeBytes").asLong() + ",\"erasing\":false,\"generation\":"
                                + leg.get("generation").asLong() + "}],\"errors\":[]}")
                .ok();
        JsonNode volume = admin.get("/v1/volumes/db").ok();
        assertThat(volume.get("state").asText()).isEqualTo("AVAILABLE");
        assertThat(volume.get("health").asText()).isEqualTo("HEALTHY");

        PrometheusText created = scrape();
        assertThat(created.value("cairn_controller_volumes", "health", "HEALTHY"))
                .isEqualTo(1);
        assertThat(created.value("cairn_controller_volumes", "health", "DEGRADED"))
                .isZero();
        assertThat(created.value("cairn_controller_volumes", "health", "DEGRADED_BY_INTENT"))
                .isZero();
        assertThat(created.value("cairn_controller_repairs_running")).isZero();
        assertThat(created.value("cairn_controller_orphans")).isZero();
        assertThat(created.value("cairn_controller_raft_applied_index"))
                .isGreaterThanOrEqualTo(registered.value("cairn_controller_raft_applied_index") + 2);
    }

    @Test
    void metricsNeedNoTokenAndTheReadyFileNamesThem() throws Exception {
        AdminHttp anonymous = new AdminHttp(controller.restUrl());
        assertThat(anonymous.get("/v1/cluster").status()).isEqualTo(401);
        PrometheusText t = scrape();
        assertThat(t.sum("jvm_memory_used_bytes")).isPositive();
        assertThat(t.type("cairn_controller_raft_leader")).contains("gauge");
        assertThat(Files.readString(dir.resolve("ready.json")))
                .contains("\"metrics\":\"" + controller.metricsUrl() + "\"");
        assertThat(controller.metricsUrl()).endsWith("/metrics");
    }
}
