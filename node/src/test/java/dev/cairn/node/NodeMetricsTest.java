package dev.cairn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.dkv.Slot;
import dev.cairn.dkv.SlotCodec;
import dev.cairn.dkv.Version;
import dev.cairn.nbd.client.NbdClient;
import dev.cairn.testkit.AdminHttp;
import dev.cairn.testkit.Patterns;
import dev.cairn.testkit.PrometheusText;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * The node's {@code /metrics}, scraped over HTTP like Prometheus does, after known I/O over NBD:
 * the counters move by exactly what was done, the space gauges agree with the admin API.
 */
class NodeMetricsTest extends NodeFixture {

    private PrometheusText scrape() {
        return PrometheusText.scrape(node.metricsUrl());
    }

    private static double requests(PrometheusText t, String op) {
        return t.value("cairn_node_nbd_requests_total", "op", op);
    }

    @Test
    void kvSlotWritesAreCountedByWhatBecameOfThem() throws Exception {
        startNode(1);
        UUID id = UUID.fromString(
                call("POST", "/v1/extents", "{\"sizeBytes\":65536,\"generation\":1,\"secret\":\"kv\",\"kind\":\"kv\"}")
                        .body()
                        .get("id")
                        .asText());
        long key = 1L << 16;
        ByteBuffer slot = SlotCodec.encode(Slot.put(key, new Version(1, 1), ByteBuffer.wrap(new byte[] {7})));
        ByteBuffer other = SlotCodec.encode(Slot.put(key + 1, new Version(1, 1), ByteBuffer.wrap(new byte[] {8})));
        PrometheusText before = scrape();
        try (NbdClient c = NbdClient.connect(nbd(), ExportName.of(id, 1, "kv"))) {
            c.write(0, slot.duplicate(), true).join();
            c.write(0, slot.duplicate(), true).join();
            assertThatThrownBy(() -> c.write(0, other.duplicate(), true).join())
                    .isInstanceOf(CompletionException.class);
            // The slot is damaged on the medium (as a torn write would leave it); a write repairs it.
            node.extents().extent(id).orElseThrow().write(20, ByteBuffer.wrap(new byte[] {1, 2, 3}), true);
            c.write(0, slot.duplicate(), true).join();
        }
        PrometheusText after = scrape();
        for (String result : List.of("written", "kept", "refused", "repaired")) {
            assertThat(after.value("cairn_node_kv_slot_writes_total", "result", result)
                            - before.value("cairn_node_kv_slot_writes_total", "result", result))
                    .as(result)
                    .isEqualTo(1);
        }
    }

    @Test
    void nbdCountersMoveByExactlyTheRequestsMade() throws Exception {
        startNode(1);
        UUID id = createExtent(4 << 20, 0, "");
        PrometheusText before = scrape();
        try (NbdClient c = NbdClient.connect(nbd(), id.toString())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> scrape().value("cairn_node_nbd_connections") == 1);
            for (int i = 0; i < 5; i++) {
                c.write(i * 65536L, Patterns.random(65536, i), i == 4).join();
            }
            for (int i = 0; i < 3; i++) {
                c.read(i * 65536L, 4096).join();
            }
            c.flush().join();
            c.writeZeroes(1 << 20, 8192, 0).join();
            assertThatThrownBy(() -> c.read(4 << 20, 4096).join()).isInstanceOf(CompletionException.class);
        }
        PrometheusText after = scrape();

        assertThat(after.value("cairn_node_nbd_written_bytes_total")
                        - before.value("cairn_node_nbd_written_bytes_total"))
                .isEqualTo(5 * 65536);
        assertThat(requests(after, "write") - requests(before, "write")).isEqualTo(5);
        assertThat(after.value("cairn_node_nbd_read_bytes_total") - before.value("cairn_node_nbd_read_bytes_total"))
                .as("the read past the end moved nothing")
                .isEqualTo(3 * 4096);
        assertThat(requests(after, "read") - requests(before, "read")).isEqualTo(4);
        assertThat(requests(after, "flush") - requests(before, "flush")).isEqualTo(1);
        assertThat(requests(after, "write_zeroes") - requests(before, "write_zeroes"))
                .isEqualTo(1);
        assertThat(after.value("cairn_node_nbd_errors_total", "op", "read", "error", "EINVAL"))
                .isEqualTo(1);
        assertThat(before.find("cairn_node_nbd_errors_total"))
                .as("no error before")
                .isEmpty();

        String writes = "cairn_node_nbd_request_duration_seconds";
        assertThat(after.value(writes + "_count", "op", "write") - before.value(writes + "_count", "op", "write"))
                .isEqualTo(5);
        assertThat(after.value(writes + "_bucket", "op", "write", "le", "+Inf"))
                .isEqualTo(after.value(writes + "_count", "op", "write"));
        assertThat(after.value(writes + "_sum", "op", "write")).isPositive();
        assertThat(after.find(writes + "_bucket", "op", "write"))
                .as("a histogram Prometheus can take quantiles of")
                .hasSize(19);
        assertThat(after.type("cairn_node_nbd_requests_total")).contains("counter");
        assertThat(after.type(writes)).contains("histogram");
        await().atMost(Duration.ofSeconds(5)).until(() -> scrape().value("cairn_node_nbd_connections") == 0);
    }

    @Test
    void aFencedConnectionsRequestsCountAsPermissionErrors() throws Exception {
        startNode(1);
        UUID id = createExtent(1 << 20, 1, "s3cret");
        try (NbdClient c = NbdClient.connect(nbd(), id + ";gen=1;key=s3cret")) {
            c.write(0, Patterns.random(4096, 1), false).join();
            assertThat(call("PUT", "/v1/extents/" + id + "/access", "{\"generation\":2,\"secret\":\"s3cret\"}")
                            .status())
                    .isEqualTo(200);
            assertThatThrownBy(() -> c.write(0, Patterns.random(4096, 2), false).join())
                    .isInstanceOf(CompletionException.class);
            assertThatThrownBy(() -> c.read(0, 4096).join()).isInstanceOf(CompletionException.class);
        }
        PrometheusText t = scrape();
        assertThat(t.value("cairn_node_nbd_errors_total", "op", "write", "error", "EPERM"))
                .isEqualTo(1);
        assertThat(t.value("cairn_node_nbd_errors_total", "op", "read", "error", "EPERM"))
                .isEqualTo(1);
        assertThat(t.value("cairn_node_nbd_written_bytes_total"))
                .as("only the write before the fence")
                .isEqualTo(4096);
    }

    @Test
    void spaceAndExtentGaugesAgreeWithTheAdminApi() throws Exception {
        startNode(2);
        UUID id = createExtent(8 << 20, 0, "");
        createExtent(3 << 20, 0, "");
        PrometheusText t = scrape();
        JsonNode info = call("GET", "/v1/node", null).body();
        assertThat(info.get("drives")).hasSize(2);
        for (JsonNode d : info.get("drives")) {
            String drive = d.get("id").asText();
            assertThat(t.value("cairn_node_drive_capacity_bytes", "drive", drive))
                    .isEqualTo(d.get("dataBytes").asDouble());
            assertThat(t.value("cairn_node_drive_used_bytes", "drive", drive))
                    .isEqualTo(d.get("usedBytes").asDouble());
            assertThat(t.value("cairn_node_drive_free_bytes", "drive", drive))
                    .isEqualTo(d.get("freeBytes").asDouble());
        }
        assertThat(t.value("cairn_node_capacity_bytes"))
                .isEqualTo(info.get("dataBytes").asDouble());
        assertThat(t.value("cairn_node_used_bytes"))
                .isEqualTo(info.get("usedBytes").asDouble());
        assertThat(t.value("cairn_node_used_bytes")).isEqualTo((8 << 20) + (3 << 20));
        assertThat(t.value("cairn_node_free_bytes")).isEqualTo(t.sum("cairn_node_drive_free_bytes"));
        assertThat(t.value("cairn_node_extents", "state", "active", "kind", "data"))
                .isEqualTo(2);
        assertThat(t.value("cairn_node_extents", "state", "active", "kind", "kv"))
                .isZero();
        assertThat(t.sum("cairn_node_extents", "state", "erasing")).isZero();

        assertThat(call("DELETE", "/v1/extents/" + id, null).status()).isEqualTo(204);
        PrometheusText later = scrape();
        assertThat(later.value("cairn_node_extents", "state", "active", "kind", "data"))
                .isEqualTo(1);
        assertThat(later.value("cairn_node_used_bytes")).isEqualTo(3 << 20);
    }

    @Test
    void metricsNeedNoTokenAndTheReadyFileNamesThem() throws Exception {
        Path tokenFile = Files.writeString(dir.resolve("admin.token"), "admin-token-0123456789\n");
        token = Optional.of("admin-token-0123456789");
        node = StorageNode.start(
                new NodeConfig(
                        Optional.empty(),
                        java.util.List.of(
                                new DriveSpec(dir.resolve("d.img"), java.util.OptionalLong.of(64L << 20), false)),
                        java.util.Map.of(),
                        nbd0(),
                        nbd0(),
                        Optional.empty(),
                        Optional.of(tokenFile),
                        2,
                        Optional.of(dir.resolve("ready.json")),
                        Optional.empty(),
                        dev.cairn.nbd.tls.NbdTls.NONE),
                clock);
        AdminHttp anonymous =
                new AdminHttp("http://127.0.0.1:" + node.adminAddress().getPort());
        assertThat(anonymous.get("/v1/node").status()).isEqualTo(401);
        PrometheusText t = scrape();
        assertThat(t.value("cairn_node_capacity_bytes")).isPositive();
        assertThat(t.sum("jvm_memory_used_bytes")).isPositive();
        assertThat(t.value("process_uptime_seconds")).isPositive();
        assertThat(Files.readString(dir.resolve("ready.json")))
                .contains("\"metrics\":\"" + node.metricsUrl() + "\"")
                .contains("\"adminTokenFile\":\"" + tokenFile.toAbsolutePath() + "\"")
                .contains("/metrics");
    }

    private static java.net.InetSocketAddress nbd0() {
        return new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0);
    }
}
