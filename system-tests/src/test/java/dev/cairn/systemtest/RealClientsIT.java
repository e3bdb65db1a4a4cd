package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.testkit.NodeProcess;
import dev.cairn.testkit.Tool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A storage node process, driven by the NBD clients people actually use. */
class RealClientsIT {
    static final Duration TIMEOUT = Duration.ofMinutes(2);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static NodeProcess node;

    @BeforeAll
    static void start() throws Exception {
        Tool.require("nbdinfo", "libnbd-bin");
        Tool.require("nbdcopy", "libnbd-bin");
        Tool.require("qemu-io", "qemu-utils");
        Tool.require("qemu-img", "qemu-utils");
        Tool.require("fio", "fio");
        node = NodeProcess.start(
                dir.resolve("node"),
                List.of(dir.resolve("node/d0.img") + ",size=1GiB", dir.resolve("node/d1.img") + ",size=1GiB"),
                List.of("zone=a"));
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            assertThat(node.process().stop()).as(node.process().log()).isIn(0, 143);
        }
    }

    static String newExtent(long sizeBytes) {
        return node.admin()
                .post("/v1/extents", "{\"sizeBytes\":" + sizeBytes + "}")
                .ok()
                .get("id")
                .asText();
    }

    @Test
    void nbdinfoSeesSizeFlagsBlockSizesAndContexts() throws Exception {
        String id = newExtent(64L << 20);
        JsonNode export = JSON.readTree(Tool.run(TIMEOUT, "nbdinfo", "--json", node.uri(id))
                        .ok()
                        .stdout())
                .get("exports")
                .get(0);
        assertThat(export.get("export-size").asLong()).isEqualTo(64L << 20);
        assertThat(export.get("description").asText()).contains("64.0 MiB");
        for (String flag :
                List.of("can_flush", "can_fua", "can_trim", "can_zero", "can_fast_zero", "can_multi_conn", "can_df")) {
            assertThat(export.get(flag).asBoolean()).as(flag).isTrue();
        }
        assertThat(export.get("is_read_only").asBoolean()).isFalse();
        assertThat(export.get("block_size_minimum").asInt()).isEqualTo(1);
        assertThat(export.get("block_size_preferred").asInt()).isEqualTo(4096);
        assertThat(export.get("block_size_maximum").asInt()).isEqualTo(32 << 20);
        assertThat(export.get("contexts").toString()).contains("base:allocation");

        String list = Tool.run(TIMEOUT, "nbdinfo", "--list", "--json", node.uri(""))
                .ok()
                .stdout();
        assertThat(list).contains("\"export-name\": \"" + id + "\"");
    }

    @Test
    void qemuIoWritesReadsVerifiesDiscardsZeroesAndMaps() throws Exception {
        String id = newExtent(8L << 20);
        String out = Tool.run(
                        TIMEOUT,
                        "qemu-io",
                        "-f",
                        "raw",
                        node.uri(id),
                        "-c",
                        "write -P 0xaa 0 1M",
                        "-c",
                        "write -f -P 0xbb 1M 64k",
                        "-c",
                        "read -P 0xaa 0 1M",
                        "-c",
                        "read -P 0xbb 1M 64k",
                        "-c",
                        "write -P 0xcc 2M 1M",
                        "-c",
                        "discard 2M 1M",
                        "-c",
                        "read -P 0 2M 1M",
                        "-c",
                        "write -P 0xdd 3M 1M",
                        "-c",
                        "write -z 3M 512k",
                        "-c",
                        "read -P 0 3M 512k",
                        "-c",
                        "read -P 0xdd 3584k 512k",
                        "-c",
                        "flush",
                        "-c",
                        "map")
                .ok()
                .stdout();
        assertThat(out).doesNotContain("Pattern verification failed").contains("allocated at offset 0 bytes");

        JsonNode map = JSON.readTree(Tool.run(TIMEOUT, "qemu-img", "map", "--output=json", "-f", "raw", node.uri(id))
                .ok()
                .stdout());
        assertThat(dataAt(map, 0)).as("written").isTrue();
        assertThat(dataAt(map, (2L << 20) + 4096)).as("discarded").isFalse();
        assertThat(dataAt(map, 5L << 20)).as("never written").isFalse();
        assertThat(zeroAt(map, 5L << 20)).isTrue();
    }

    private static boolean dataAt(JsonNode map, long offset) {
        return rangeAt(map, offset).get("data").asBoolean();
    }

    private static boolean zeroAt(JsonNode map, long offset) {
        return rangeAt(map, offset).get("zero").asBoolean();
    }

    private static JsonNode rangeAt(JsonNode map, long offset) {
        for (JsonNode r : map) {
            long start = r.get("start").asLong();
            if (offset >= start && offset < start + r.get("length").asLong()) {
                return r;
            }
        }
        throw new AssertionError("no map entry covers " + offset + ": " + map);
    }

    @Test
    void nbdcopyCopiesAFileInAndOutIntact() throws Exception {
        long size = 48L << 20;
        Path in = dir.resolve("in.img");
        byte[] data = new byte[(int) size];
        new Random(42).nextBytes(data);
        java.util.Arrays.fill(data, 8 << 20, 16 << 20, (byte) 0);
        Files.write(in, data);
        String id = newExtent(size);
        Tool.run(TIMEOUT, "nbdcopy", "--flush", in.toString(), node.uri(id)).ok();
        Path out = dir.resolve("out.img");
        Tool.run(TIMEOUT, "nbdcopy", node.uri(id), out.toString()).ok();
        assertThat(sha256(out)).isEqualTo(sha256(in));
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    @Test
    void fioWritesAndVerifiesWithCrc32c() {
        String id = newExtent(128L << 20);
        Tool.Result r = Tool.run(
                TIMEOUT,
                "fio",
                "--name=verify",
                "--verify_state_save=0",
                "--ioengine=nbd",
                "--uri=" + node.uri(id),
                "--rw=randwrite",
                "--bsrange=4k-64k",
                "--iodepth=16",
                "--size=128M",
                "--verify=crc32c",
                "--do_verify=1",
                "--verify_fatal=1",
                "--output-format=json");
        r.ok();
        assertThat(r.stdout()).contains("\"error\" : 0");
        assertThat(r.stdout()).doesNotContain("verify: bad");
    }
}
