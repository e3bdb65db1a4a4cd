package dev.cairn.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalClusterTest {
    @TempDir
    Path dir;

    private static ClusterSpec spec(int nodes, int zones) throws IOException {
        return ClusterSpec.create(nodes, zones, 1L << 30, List.of("--offline-after", "4s"), List.of(), List.of());
    }

    @Test
    void refusesWhatCannotMakeACluster() {
        assertThatThrownBy(() -> spec(0, 1)).hasMessageContaining("--nodes must be at least 1");
        assertThatThrownBy(() -> spec(2, 3)).hasMessageContaining("3 zones need at least 3 nodes");
        assertThatThrownBy(() -> spec(30, 27)).hasMessageContaining("--zones must be between 1 and 26");
        assertThatThrownBy(() -> ClusterSpec.create(3, 3, 1 << 20, List.of(), List.of(), List.of()))
                .hasMessageContaining("--drive-size must be at least 64 MiB");
    }

    @Test
    void spreadsNodesOverZonesRoundRobinOnDistinctPorts() throws IOException {
        ClusterSpec s = spec(6, 3);
        assertThat(List.of(s.zone(0), s.zone(1), s.zone(2), s.zone(3), s.zone(4), s.zone(5)))
                .containsExactly("a", "b", "c", "a", "b", "c");
        Set<Integer> ports = new HashSet<>(List.of(s.controllerPort(), s.raftPort(), s.agentMetricsPort()));
        s.nodePorts().forEach(p -> ports.addAll(List.of(p.nbd(), p.admin())));
        assertThat(ports).hasSize(3 + 2 * 6);
    }

    @Test
    void keepsItsDescriptionSoTheNextUpIsTheSameCluster() throws IOException {
        ClusterSpec s = spec(4, 2);
        LocalCluster created = LocalCluster.create(dir.resolve("c"), s);
        LocalCluster reopened = LocalCluster.open(dir.resolve("c")).orElseThrow();
        assertThat(reopened.spec()).isEqualTo(s);
        assertThat(reopened.members()).isEqualTo(created.members());
        assertThat(Files.readString(dir.resolve("c/env")))
                .contains("CAIRN_CONTROLLER=http://127.0.0.1:" + s.controllerPort())
                .contains("CAIRN_TOKEN_FILE=" + dir.resolve("c/controller/data/tokens/admin.token"));
        assertThat(LocalCluster.open(dir.resolve("elsewhere"))).isEmpty();
    }

    @Test
    void membersAreTheControllerTheNodesInTheirZonesAndTheAgent() throws IOException {
        LocalCluster c = LocalCluster.create(dir.resolve("c"), spec(3, 3));
        assertThat(c.members().stream().map(LocalCluster.Member::name).collect(Collectors.toList()))
                .containsExactly("controller", "node-1", "node-2", "node-3", "agent");
        LocalCluster.Member node2 = c.member("node-2");
        assertThat(node2.kind()).isEqualTo("node");
        assertThat(node2.zone()).contains("b");
        assertThat(String.join(" ", node2.args()))
                .contains("--label zone=b", "--label host=node-2", "--controller " + c.controllerUrl())
                .contains(c.dir().resolve("node-2/drive.img") + ",size=" + (1L << 30))
                .contains("--nbd 127.0.0.1:" + c.spec().nodePorts().get(1).nbd());
        assertThat(String.join(" ", c.member("controller").args()))
                .contains("--listen 127.0.0.1:" + c.spec().controllerPort(), "--offline-after 4s");
        assertThat(String.join(" ", c.member("agent").args()))
                .contains(
                        "--host " + LocalCluster.AGENT_HOST,
                        "--nbd-socket " + c.dir().resolve("agent/run/nbd.sock"))
                .doesNotContain("--nbd ", "--nbd-listen");
        assertThat(c.agentSocket()).isEqualTo(c.dir().resolve("agent/run/nbd.sock"));
        assertThatThrownBy(() -> c.member("node-9")).hasMessageContaining("no daemon named node-9");
    }

    @Test
    void refusesADirectoryHoldingSomethingElse() throws IOException {
        Files.writeString(dir.resolve("precious.txt"), "keep me");
        assertThatThrownBy(() -> LocalCluster.create(dir, spec(1, 1)))
                .hasMessageContaining("is not empty and holds no Cairn local cluster");
        assertThat(dir.resolve("precious.txt")).hasContent("keep me");
    }

    @Test
    void aPidFileNamingAnotherProcessIsNotOurs() throws IOException {
        LocalCluster c = LocalCluster.create(dir.resolve("c"), spec(1, 1));
        LocalCluster.Member node = c.member("node-1");
        assertThat(c.running(node)).isEmpty();
        Files.createDirectories(node.dir());
        // This test's own JVM is alive, but its command line does not name the node's ready file.
        Files.writeString(node.pidFile(), ProcessHandle.current().pid() + "\n");
        assertThat(c.running(node)).isEmpty();
        Files.writeString(node.pidFile(), "garbage\n");
        assertThat(c.running(node)).isEmpty();
    }

    @Test
    void aDescriptionWrittenWhenTheAgentHadAPortStillOpens() throws IOException {
        ClusterSpec s = spec(1, 1);
        LocalCluster.create(dir.resolve("c"), s);
        Path file = dir.resolve("c/cluster.json");
        Files.writeString(
                file,
                Files.readString(file)
                        .replace("\"agentMetricsPort\"", "\"agentNbdPort\" : 10810,\n  \"agentMetricsPort\""));
        assertThat(Files.readString(file)).contains("agentNbdPort");

        assertThat(LocalCluster.open(dir.resolve("c")).orElseThrow().spec()).isEqualTo(s);
    }

    @Test
    void aCorruptDescriptionIsReportedNotGuessed() throws IOException {
        Files.writeString(dir.resolve("cluster.json"), "{\"format\": 99}");
        assertThatThrownBy(() -> LocalCluster.open(dir)).hasMessageContaining("cluster.json");
    }
}
