package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.local.Launcher;
import dev.cairn.local.LocalCluster;
import dev.cairn.testkit.CairnProcess;
import dev.cairn.testkit.Tool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn cluster up|status|down} as a user runs them: a cluster comes up, holds volumes and
 * data, goes down (every process gone, by pid), and comes back up on the same directory with every
 * volume and every byte.
 */
class LocalClusterIT {
    @TempDir
    Path tmp;

    @Test
    void upDownUpKeepsEveryVolumeAndItsData() throws IOException {
        Path dir = tmp.resolve("cluster");
        Path socket = dir.resolve("agent/run/nbd.sock");
        // The CLI finds the cluster by itself through CAIRN_CLUSTER_DIR, as it does in ~/.cairn/cluster.
        Map<String, String> env = Map.of("CAIRN_CLUSTER_DIR", dir.toString());
        try {
            Tool.Result up = CairnProcess.run(
                            Duration.ofMinutes(4),
                            env,
                            "cluster",
                            "up",
                            "--nodes",
                            "3",
                            "--zones",
                            "3",
                            "--drive-size",
                            "256MiB")
                    .ok();
            assertUpShowsWhereEverythingIs(up.stdout(), dir, socket);
            assertDaemonsRunTheVectorCodecQuietly(dir);
            LocalCluster cluster = LocalCluster.open(dir).orElseThrow();
            assertThat(cluster.agentSocket()).isEqualTo(socket);

            cli(env, "volume", "create", "db", "--size", "64MiB", "--class", "zone-3");
            cli(env, "volume", "create", "logs", "--size", "32MiB", "--class", "zone-2");
            String attached = cli(env, "volume", "attach", "db", "--host", LocalCluster.AGENT_HOST);
            String id = json(cli(env, "volume", "show", "db", "-o", "json"))
                    .get("id")
                    .asText();
            String uri = "nbd+unix:///" + id + "?socket=" + socket;
            assertThat(attached).contains("nbd address: " + socket, "nbd uri:     " + uri);
            await().atMost(Duration.ofMinutes(1))
                    .until(() -> Tool.run(Duration.ofSeconds(30), "nbdinfo", "--size", uri)
                                    .exitCode()
                            == 0);
            qemuIo(uri, "write -P 0x5a 0 8M", "write -P 0xa5 60M 4M");

            assertStatusShowsNodesVolumesAndProcesses(env, dir);

            List<Long> pids = new ArrayList<>();
            for (LocalCluster.Member m : cluster.members()) {
                pids.add(cluster.running(m)
                        .orElseThrow(() -> new AssertionError(m.name() + " not running"))
                        .pid());
            }
            assertThat(CairnProcess.run(env, "cluster", "down").ok().stdout())
                    .contains("cluster down: 5 process(es) stopped; the data stays in " + dir);
            for (long pid : pids) { // exited: gone, or a zombie until init reaps it (it is not our child)
                assertThat(ProcessHandle.of(pid).map(Launcher::gone).orElse(true))
                        .as("pid %d after cluster down", pid)
                        .isTrue();
            }
            assertThat(socket).as("the agent removes its socket when it stops").doesNotExist();
            Tool.Result downStatus = CairnProcess.run(env, "cluster", "status");
            assertThat(downStatus.exitCode()).isNotZero();
            assertThat(downStatus.stdout())
                    .containsPattern("controller +- +stopped")
                    .containsPattern("agent +- +stopped");

            Tool.Result changed = CairnProcess.run(env, "cluster", "up", "--nodes", "4");
            assertThat(changed.exitCode()).isNotZero();
            assertThat(changed.stderr()).contains("holds a cluster of 3 nodes in 3 zones");

            Tool.Result again = CairnProcess.run(Duration.ofMinutes(4), env, "cluster", "up")
                    .ok();
            assertThat(again.stdout())
                    .contains("bringing up the local cluster in " + dir, "every node online")
                    .contains("2 volume(s) (1 attached to client-1 and served again)");
            qemuIo(uri, "read -P 0x5a 0 8M", "read -P 0xa5 60M 4M", "read -P 0 8M 52M");
            JsonNode volumes = json(cli(env, "volume", "list", "-o", "json"));
            assertThat(volumes).hasSize(2);
            volumes.forEach(v -> assertThat(v.get("state").asText()).isEqualTo("AVAILABLE"));
        } finally {
            CairnProcess.run(env, "cluster", "down", "--dir", dir.toString());
        }
    }

    /**
     * bin/cairn gives every daemon the Vector API module, and drops the JVM's line about it: the
     * agent reports the vector kernel, and no daemon's log says "incubator".
     */
    private static void assertDaemonsRunTheVectorCodecQuietly(Path dir) throws IOException {
        assertThat(Files.readString(dir.resolve("agent/agent.log"))).contains("erasure codec kernel vector-128");
        List<Path> logs;
        try (Stream<Path> files = Files.walk(dir)) {
            logs = files.filter(f -> f.toString().endsWith(".log")).toList();
        }
        assertThat(logs).hasSizeGreaterThanOrEqualTo(5); // controller, 3 nodes, agent
        for (Path log : logs) {
            assertThat(Files.readString(log)).as("%s", log).doesNotContain("incubator");
        }
    }

    private static void assertUpShowsWhereEverythingIs(String up, Path dir, Path socket) throws IOException {
        assertThat(up)
                .contains("starting a new local cluster in " + dir, "every node online", "REST API:", "admin token:")
                .containsPattern("node-3 +c +\\d+ +nbd 127\\.0\\.0\\.1:\\d+, admin http://127\\.0\\.0\\.1:(\\d+) +"
                        + "http://127\\.0\\.0\\.1:\\1/metrics")
                .containsPattern("agent +- +\\d+ +nbd " + Pattern.quote(socket.toString())
                        + " +http://127\\.0\\.0\\.1:\\d+/metrics")
                .contains("NBD exports:  nbd+unix:///VOLUME-ID?socket=" + socket);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
                .as("only the user who brought the cluster up may use its volumes")
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())))
                .isEqualTo("rwx------");
    }

    private static void assertStatusShowsNodesVolumesAndProcesses(Map<String, String> env, Path dir) {
        assertThat(cli(env, "cluster", "status"))
                .contains("local cluster in " + dir)
                .containsPattern("node-2 +b +\\d+ +" + dir.resolve("node-2/node.log"))
                .containsPattern("a +node-1 +ONLINE")
                .containsPattern("c +node-3 +ONLINE")
                .containsPattern("db +HEALTHY +64\\.0 MiB +zone-3 +client-1 +a/node-1:IN_SYNC")
                .containsPattern("logs +HEALTHY +32\\.0 MiB +zone-2 +-")
                .contains("no repairs in progress");
    }

    private static String cli(Map<String, String> env, String... args) {
        return CairnProcess.run(env, args).ok().stdout();
    }

    private static JsonNode json(String text) throws IOException {
        return new ObjectMapper().readTree(text);
    }

    private static void qemuIo(String uri, String... commands) {
        List<String> command = new ArrayList<>(List.of("qemu-io", "-f", "raw", uri));
        for (String c : commands) {
            command.addAll(List.of("-c", c));
        }
        Tool.Result r = Tool.run(Duration.ofMinutes(1), command).ok();
        assertThat(r.stdout()).doesNotContain("Pattern verification failed");
    }
}
