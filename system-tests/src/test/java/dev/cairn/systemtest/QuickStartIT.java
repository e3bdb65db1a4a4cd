package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.testkit.CairnProcess;
import dev.cairn.testkit.Tool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command (with free ports): a node on a new file drive serving a named extent. */
class QuickStartIT {
    private static final Pattern URI = Pattern.compile("extent 'demo' \\(256\\.0 MiB\\): (nbd://\\S+)");

    @TempDir
    Path dir;

    @Test
    void theQuickStartNodeServesItsExtentAcrossRestarts() {
        List<String> args = List.of(
                "node",
                "--drive",
                dir.resolve("d0.img") + ",size=1GiB",
                "--data",
                dir.resolve("node").toString(),
                "--extent",
                "demo=256MiB",
                "--nbd",
                "127.0.0.1:0",
                "--admin",
                "127.0.0.1:0");
        String first = serveAndWrite(args, "write -P 0x42 0 1M");
        String second = serveAndWrite(args, "read -P 0x42 0 1M");
        assertThat(path(second)).as("same extent id after a restart").isEqualTo(path(first));
    }

    private String serveAndWrite(List<String> args, String qemuCommand) {
        try (CairnProcess node =
                CairnProcess.start(dir.resolve("node-" + System.nanoTime() + ".log"), args, Map.of())) {
            String[] uri = new String[1];
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                Matcher m = URI.matcher(node.log());
                assertThat(m.find()).as(node.log()).isTrue();
                uri[0] = m.group(1);
            });
            assertThat(Tool.run(Duration.ofMinutes(1), "nbdinfo", "--size", uri[0])
                            .ok()
                            .stdout()
                            .strip())
                    .isEqualTo(Long.toString(256L << 20));
            Tool.run(Duration.ofMinutes(1), "qemu-io", "-f", "raw", uri[0], "-c", qemuCommand)
                    .ok();
            assertThat(node.stop()).isIn(0, 143);
            return uri[0];
        }
    }

    private static String path(String uri) {
        return uri.substring(uri.lastIndexOf('/') + 1);
    }
}
