package dev.cairn.nbd.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.testkit.Tool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The protocol as real clients (libnbd's nbdinfo, qemu's NBD driver) see it. */
class RealClientInteropTest extends ServerFixture {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @BeforeAll
    static void tools() {
        Tool.require("nbdinfo", "libnbd-bin");
        Tool.require("qemu-io", "qemu-utils");
    }

    @Test
    void nbdinfoSeesTheSizeFlagsBlockSizesAndContexts() throws Exception {
        JsonNode json = new ObjectMapper()
                .readTree(
                        Tool.run(TIMEOUT, "nbdinfo", "--json", uri("disk")).ok().stdout());
        JsonNode export = json.get("exports").get(0);
        assertThat(json.get("protocol").asText()).isEqualTo("newstyle-fixed");
        assertThat(export.get("export-size").asLong()).isEqualTo(1 << 20);
        assertThat(export.get("is_read_only").asBoolean()).isFalse();
        assertThat(export.get("can_flush").asBoolean()).isTrue();
        assertThat(export.get("can_fua").asBoolean()).isTrue();
        assertThat(export.get("can_trim").asBoolean()).isTrue();
        assertThat(export.get("can_zero").asBoolean()).isTrue();
        assertThat(export.get("can_fast_zero").asBoolean()).isTrue();
        assertThat(export.get("can_multi_conn").asBoolean()).isTrue();
        assertThat(export.get("can_df").asBoolean()).isTrue();
        assertThat(export.get("block_size_preferred").asInt()).isEqualTo(4096);
        assertThat(export.get("block_size_maximum").asInt()).isEqualTo(32 << 20);
        List<String> contexts = new ArrayList<>();
        export.get("contexts").forEach(c -> contexts.add(c.asText()));
        assertThat(contexts).contains("base:allocation");
    }

    @Test
    void nbdinfoListsEveryExport() {
        exports.add("second", 8192);
        String out = Tool.run(TIMEOUT, "nbdinfo", "--list", "--json", "nbd://127.0.0.1:" + server.port())
                .ok()
                .stdout();
        assertThat(out).contains("\"export-name\": \"disk\"").contains("\"export-name\": \"second\"");
    }

    @Test
    void qemuIoWritesReadsAndVerifies() {
        Tool.run(
                        TIMEOUT,
                        "qemu-io",
                        "-f",
                        "raw",
                        uri("disk"),
                        "-c",
                        "write -P 0x5a 0 64k",
                        "-c",
                        "write -f -P 0xa5 64k 4k",
                        "-c",
                        "read -P 0x5a 0 64k",
                        "-c",
                        "read -P 0xa5 64k 4k",
                        "-c",
                        "flush")
                .ok();
        Tool.Result r = Tool.run(TIMEOUT, "qemu-io", "-f", "raw", uri("disk"), "-c", "read -P 0x5a 0 4k");
        assertThat(r.ok().stdout()).contains("read 4096/4096 bytes at offset 0");
    }
}
