package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.testkit.CairnProcess;
import dev.cairn.testkit.NodeProcess;
import dev.cairn.testkit.Tool;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Wrong arguments get one clear line and a non-zero exit; a garbage-speaking peer harms nobody. */
class NodeBadInputIT {
    @TempDir
    Path dir;

    private String failedStart(String... args) {
        CairnProcess p = CairnProcess.start(dir.resolve("bad-" + System.nanoTime() + ".log"), List.of(args), Map.of());
        assertThat(p.waitFor(Duration.ofSeconds(60))).as(p.log()).isEqualTo(1);
        return p.log();
    }

    @Test
    void startupMistakesAreExplained() throws Exception {
        assertThat(failedStart("node", "--drive", dir.resolve("t.img") + ",size=1GiB", "--nbd", "127.0.0.1:0"))
                .contains("cairn node: a node's admin API needs a token: give --data DIR (the node makes"
                        + " DIR/admin.token on first start) or --admin-token-file FILE");
        assertThat(dir.resolve("t.img")).as("nothing half-started").doesNotExist();
        String dataDir = dir.resolve("data").toString();
        assertThat(failedStart(
                        "node",
                        "--data",
                        dataDir,
                        "--drive",
                        dir.resolve("missing.img").toString()))
                .contains("cairn node: drive " + dir.resolve("missing.img") + " does not exist; add ',size=SIZE'");
        Path precious = dir.resolve("precious.img");
        byte[] data = new byte[16 << 20];
        new Random(1).nextBytes(data);
        Files.write(precious, data);
        assertThat(failedStart("node", "--data", dataDir, "--drive", precious.toString()))
                .contains("holds data that is not a Cairn drive; add ',format'");
        assertThat(Files.readAllBytes(precious)).isEqualTo(data);
        assertThat(failedStart(
                        "node", "--data", dataDir, "--drive", dir.resolve("x.img") + ",size=1GiB", "--label", "Zone=A"))
                .contains("label key 'Zone'");
        assertThat(failedStart("node", "--data", dataDir, "--drive", dir.resolve("y.img") + ",size=lots"))
                .contains("'lots' is not a size");
        assertThat(failedStart(
                        "node", "--data", dataDir, "--drive", dir.resolve("z.img") + ",size=1GiB", "--nbd", "nowhere"))
                .contains("--nbd 'nowhere' is not HOST:PORT");
    }

    @Test
    void aDriveInUseByAnotherNodeIsRefused() throws Exception {
        try (NodeProcess first =
                NodeProcess.start(dir.resolve("a"), List.of(dir.resolve("a/d.img") + ",size=256MiB"), List.of())) {
            assertThat(failedStart(
                            "node",
                            "--data",
                            dir.resolve("a2").toString(),
                            "--drive",
                            dir.resolve("a/d.img").toString(),
                            "--nbd",
                            "127.0.0.1:0",
                            "--admin",
                            "127.0.0.1:0"))
                    .contains("in use by another process");
            assertThat(first.process().isAlive()).isTrue();
        }
    }

    @Test
    void garbageOnTheNbdPortLeavesTheNodeServing() throws Exception {
        try (NodeProcess node =
                NodeProcess.start(dir.resolve("n"), List.of(dir.resolve("n/d.img") + ",size=256MiB"), List.of())) {
            String id = node.admin()
                    .post("/v1/extents", "{\"sizeBytes\":1048576}")
                    .ok()
                    .get("id")
                    .asText();
            byte[] junk = new byte[1 << 16];
            new Random(7).nextBytes(junk);
            for (int i = 0; i < 20; i++) {
                try (Socket s = new Socket(node.nbd().getAddress(), node.nbd().getPort())) {
                    OutputStream out = s.getOutputStream();
                    out.write(junk, 0, 1 + i * 3000);
                } catch (java.io.IOException e) {
                    // the node hung up on us: fine
                }
            }
            Tool.run(
                            Duration.ofMinutes(1),
                            "qemu-io",
                            "-f",
                            "raw",
                            node.uri(id),
                            "-c",
                            "write -P 1 0 4k",
                            "-c",
                            "read -P 1 0 4k")
                    .ok();
            assertThat(node.admin().get("/health").ok().get("status").asText()).isEqualTo("ok");
        }
    }
}
