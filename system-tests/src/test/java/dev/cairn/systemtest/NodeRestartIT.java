package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.nbd.client.NbdClient;
import dev.cairn.testkit.NodeProcess;
import dev.cairn.testkit.Patterns;
import dev.cairn.testkit.Tool;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node stopped (or killed) and started again on the same drives finds every extent with its data. */
class NodeRestartIT {
    static final Duration TIMEOUT = Duration.ofMinutes(2);

    @TempDir
    Path dir;

    NodeProcess start() throws Exception {
        return NodeProcess.start(
                dir,
                List.of(dir.resolve("d0.img") + ",size=512MiB", dir.resolve("d1.img") + ",size=512MiB"),
                List.of("zone=b"));
    }

    static ByteBuffer pattern(int length, long seed) {
        return Patterns.random(length, seed);
    }

    @Test
    void writtenDataSurvivesAStopAndStart() throws Exception {
        String nodeId;
        List<String> ids;
        try (NodeProcess node = start()) {
            nodeId = node.nodeId();
            ids = List.of(
                    node.admin()
                            .post("/v1/extents", "{\"sizeBytes\":33554432}")
                            .ok()
                            .get("id")
                            .asText(),
                    node.admin()
                            .post("/v1/extents", "{\"sizeBytes\":16777216}")
                            .ok()
                            .get("id")
                            .asText());
            for (int i = 0; i < ids.size(); i++) {
                try (NbdClient c = NbdClient.connect(node.nbd(), ids.get(i))) {
                    c.write(1 << 20, pattern(3 << 20, i), false).join();
                }
            }
            assertThat(node.process().stop()).isIn(0, 143);
        }
        try (NodeProcess again = start()) {
            assertThat(again.nodeId()).isEqualTo(nodeId);
            assertThat(again.admin().get("/v1/extents").ok().findValuesAsText("id"))
                    .containsExactlyInAnyOrderElementsOf(ids);
            for (int i = 0; i < ids.size(); i++) {
                try (NbdClient c = NbdClient.connect(again.nbd(), ids.get(i))) {
                    assertThat(c.read(1 << 20, 3 << 20).join()).isEqualTo(pattern(3 << 20, i));
                    assertThat(c.read(0, 4096).join()).isEqualTo(ByteBuffer.allocate(4096));
                }
            }
        }
    }

    @Test
    void fioChecksumsWrittenBeforeAKillVerifyAfterTheRestart() throws Exception {
        String id;
        List<String> job;
        try (NodeProcess node = start()) {
            id = node.admin()
                    .post("/v1/extents", "{\"sizeBytes\":67108864}")
                    .ok()
                    .get("id")
                    .asText();
            job = List.of(
                    "fio",
                    "--name=restart",
                    "--verify_state_save=0",
                    "--ioengine=nbd",
                    "--uri=" + node.uri(id),
                    "--rw=randwrite",
                    "--bs=16k",
                    "--iodepth=8",
                    "--size=64M",
                    "--verify=crc32c",
                    "--fsync_on_close=1");
            Tool.run(TIMEOUT, concat(job, "--do_verify=0")).ok();
            node.process().kill();
        }
        try (NodeProcess again = start()) {
            List<String> verify = job.stream()
                    .map(a -> a.startsWith("--uri=") ? "--uri=" + again.uri(id) : a)
                    .toList();
            Tool.Result r = Tool.run(TIMEOUT, concat(verify, "--verify_only=1", "--verify_fatal=1"));
            r.ok();
            assertThat(r.stdout()).contains("err= 0");
        }
    }

    private static List<String> concat(List<String> a, String... more) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(List.of(more));
        return all;
    }
}
