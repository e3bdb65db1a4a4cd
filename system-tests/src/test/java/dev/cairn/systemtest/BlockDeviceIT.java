package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.testkit.NodeProcess;
import dev.cairn.testkit.Tool;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A drive on a real block device: a loop device over a file (this needs root, as storage nodes on
 * real disks do; CI runs as root). Formatting, discard, and a restart on the device.
 */
class BlockDeviceIT {
    static final Duration TIMEOUT = Duration.ofMinutes(1);

    @TempDir
    Path dir;

    String device;

    @BeforeEach
    void attachLoopDevice() throws Exception {
        Tool.require("losetup", "mount");
        Path backing = dir.resolve("backing.img");
        try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "rw")) {
            f.setLength(256L << 20);
        }
        device = Tool.run(TIMEOUT, "losetup", "--find", "--show", backing.toString())
                .ok()
                .stdout()
                .strip();
    }

    @AfterEach
    void detach() {
        if (device != null) {
            Tool.run(TIMEOUT, "losetup", "--detach", device).ok();
        }
    }

    @Test
    void aNodeFormatsAndServesABlockDeviceAndFindsItAgain() throws Exception {
        String id;
        String nodeId;
        try (NodeProcess node = NodeProcess.start(dir.resolve("n1"), List.of(device), List.of("zone=c"))) {
            nodeId = node.nodeId();
            assertThat(node.admin()
                            .get("/v1/node")
                            .ok()
                            .get("drives")
                            .get(0)
                            .get("path")
                            .asText())
                    .isEqualTo(device);
            id = node.admin()
                    .post("/v1/extents", "{\"sizeBytes\":67108864}")
                    .ok()
                    .get("id")
                    .asText();
            Tool.run(
                            TIMEOUT,
                            "qemu-io",
                            "-f",
                            "raw",
                            node.uri(id),
                            "-c",
                            "write -P 0x3c 0 4M",
                            "-c",
                            "discard 1M 1M",
                            "-c",
                            "read -P 0 1M 1M",
                            "-c",
                            "flush")
                    .ok();
            assertThat(node.process().stop()).isIn(0, 143);
        }
        try (NodeProcess node = NodeProcess.start(dir.resolve("n2"), List.of(device), List.of("zone=c"))) {
            assertThat(node.nodeId()).isEqualTo(nodeId);
            Tool.run(
                            TIMEOUT,
                            "qemu-io",
                            "-f",
                            "raw",
                            node.uri(id),
                            "-c",
                            "read -P 0x3c 0 1M",
                            "-c",
                            "read -P 0x3c 2M 2M")
                    .ok();
        }
    }
}
