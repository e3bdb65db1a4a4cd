package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.testkit.AgentProcess;
import dev.cairn.testkit.Tool;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A replicated volume grows: each leg's node grows its extent on its drive without moving a byte
 * (a second piece where another volume's leg sits right after it), the volume takes the new size
 * once all have, and its agent serves it at the same generation while fio writes and verifies;
 * real NBD clients (nbdinfo, qemu-io, fio's crc32c verify) see the new size, every old byte, and
 * zeroes after them. Grown again while detached, the next attach trusts the legs and copies nothing.
 */
class VolumeResizeIT extends ReplicationFixture {
    private static final long MIB = 1 << 20;

    @Test
    void aVolumeGrowsInPlaceWhileServedAndWhileDetachedKeepingItsData() throws Exception {
        Tool.require("qemu-io", "qemu-utils");
        Tool.require("nbdinfo", "libnbd-bin");
        startCluster();
        AgentProcess agent = startAgent("h1");
        String id = createAttached("v", "64MiB", "h1");
        String uri = agent.uri(id);
        // Created after it, this volume's legs sit right after v's on each node's drive.
        cli("volume", "create", "w", "--size", "16MiB", "--class", "zone-3").ok();
        Tool.run(FIO_TIMEOUT, fioJob(uri, "0", "64M", "", false)).ok();

        Tool.Result shrink = cli("volume", "resize", "v", "--size", "32MiB");
        assertThat(shrink.exitCode()).isNotZero();
        assertThat(shrink.stderr()).contains("a volume never shrinks");

        // Grown while fio writes and verifies over the old size on a connection made before.
        CompletableFuture<Tool.Result> load = inBackground(fioJob(uri, "0", "64M", "8m", false));
        Tool.Result grown = cli("volume", "resize", "v", "--size", "256MiB").ok();
        assertThat(grown.stdout()).contains("volume v is 256.0 MiB");
        for (String n : List.of("na", "nb", "nc")) {
            assertThat(nodes.get(n).process().log())
                    .as("node %s grew v's leg by a second piece, past w's", n)
                    .containsPattern("grew extent \\S+ from 68157440 to 269484032 bytes \\(2 piece\\(s\\)\\)");
        }
        await().atMost(WAIT).until(() -> exportSize(uri) == 256 * MIB);
        load.get().ok();
        Tool.run(FIO_TIMEOUT, "qemu-io", "-f", "raw", "-c", "read -P 0 64M 192M", uri)
                .ok();
        Tool.run(FIO_TIMEOUT, fioJob(uri, "64M", "128M", "", false)).ok();
        assertThat(volume("v").get("attachment").get("generation").asLong())
                .as("grown at the same attachment")
                .isEqualTo(volume("v").get("legs").get(0).get("generation").asLong());

        cli("volume", "detach", "v").ok();
        cli("volume", "resize", "v", "--size", "512MiB").ok();
        attach("v", "h1", false);
        assertThat(exportSize(uri)).isEqualTo(512 * MIB);
        Tool.run(FIO_TIMEOUT, fioJob(uri, "0", "64M", "", true)).ok();
        Tool.run(FIO_TIMEOUT, fioJob(uri, "64M", "128M", "", true)).ok();
        Tool.run(FIO_TIMEOUT, "qemu-io", "-f", "raw", "-c", "read -P 0 192M 320M", uri)
                .ok();
        assertThat(copiedBytes("v"))
                .as("the legs were in sync at detach: nothing to copy")
                .isZero();
        List<String> sums = legChecksums("h1", id);
        assertThat(sums).hasSize(3).containsOnly(sums.getFirst());
    }
}
