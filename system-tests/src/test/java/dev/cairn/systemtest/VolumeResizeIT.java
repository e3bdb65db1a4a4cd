package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.testkit.AgentProcess;
import dev.cairn.testkit.Tool;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A replicated volume grows: each leg's node grows its extent on its drive without moving a byte
 * (a second piece where another volume's leg sits right after it), the volume takes the new size
 * once all have, and attached again it serves every old byte, zeroes after them, and the new size
 * to real NBD clients (nbdinfo, qemu-io, fio's crc32c verify).
 */
class VolumeResizeIT extends ReplicationFixture {

    @Test
    void aDetachedVolumeGrowsInPlaceKeepingItsDataAndRealClientsSeeTheNewSize() throws Exception {
        Tool.require("qemu-io", "qemu-utils");
        Tool.require("nbdinfo", "libnbd-bin");
        startCluster();
        AgentProcess agent = startAgent("h1");
        String id = createAttached("v", "64MiB", "h1");
        // Created after it, this volume's legs sit right after v's on each node's drive.
        cli("volume", "create", "w", "--size", "16MiB", "--class", "zone-3").ok();
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "0", "64M", "", false)).ok();

        Tool.Result attached = cli("volume", "resize", "v", "--size", "256MiB");
        assertThat(attached.exitCode()).isNotZero();
        assertThat(attached.stderr()).contains("is attached to host 'h1': detach it to grow it");
        cli("volume", "detach", "v").ok();
        Tool.Result shrink = cli("volume", "resize", "v", "--size", "32MiB");
        assertThat(shrink.exitCode()).isNotZero();
        assertThat(shrink.stderr()).contains("a volume never shrinks");

        Tool.Result grown = cli("volume", "resize", "v", "--size", "256MiB").ok();
        assertThat(grown.stdout()).contains("volume v is 256.0 MiB");
        assertThat(volume("v").get("sizeBytes").asLong()).isEqualTo(256L << 20);
        for (String n : List.of("na", "nb", "nc")) {
            assertThat(nodes.get(n).process().log())
                    .as("node %s grew v's leg by a second piece, past w's", n)
                    .containsPattern("grew extent \\S+ from 68157440 to 269484032 bytes \\(2 piece\\(s\\)\\)");
        }

        attach("v", "h1", false);
        String uri = agent.uri(id);
        assertThat(Tool.run(Duration.ofMinutes(1), "nbdinfo", "--size", uri)
                        .ok()
                        .stdout()
                        .strip())
                .isEqualTo(String.valueOf(256L << 20));
        Tool.run(FIO_TIMEOUT, fioJob(uri, "0", "64M", "", true)).ok();
        Tool.run(FIO_TIMEOUT, "qemu-io", "-f", "raw", "-c", "read -P 0 64M 192M", uri)
                .ok();
        Tool.run(FIO_TIMEOUT, fioJob(uri, "64M", "192M", "", false)).ok();
        assertThat(copiedBytes("v"))
                .as("the legs were in sync at detach: nothing to copy")
                .isZero();
        List<String> sums = legChecksums("h1", id);
        assertThat(sums).hasSize(3).containsOnly(sums.getFirst());
    }
}
