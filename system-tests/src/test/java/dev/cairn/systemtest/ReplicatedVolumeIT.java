package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.testkit.AgentProcess;
import dev.cairn.testkit.NodeProcess;
import dev.cairn.testkit.TcpListeners;
import dev.cairn.testkit.Tool;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A 3-replica volume across three zones, served by a client agent, with fio writing and verifying
 * while a node is killed or stopped and comes back: no I/O error reaches fio, the returning leg
 * gets only the dirty regions, and every leg ends byte-identical.
 */
class ReplicatedVolumeIT extends ReplicationFixture {
    private static final long MiB = 1 << 20;

    @Test
    void nodeKilledDuringWritesIsResyncedByDirtyRegionsOnly() throws Exception {
        startCluster();
        AgentProcess agent = startAgent("h1");
        String id = createAttached("vol", "64MiB", "h1");
        long copiedBefore = copiedBytes("vol");

        CompletableFuture<Tool.Result> fio = inBackground(fioJob(agent.uri(id), "0", "16M", "2m", false));
        NodeProcess victim = nodes.get("nb");
        victim.process().kill();
        await().atMost(WAIT).until(() -> legSync("vol").contains("FAILED"));
        startNode("nb", "b"); // same drive, new port: the agent learns it from the controller
        Tool.Result r = fio.get(FIO_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.describe()).isZero();
        awaitInSync("vol");

        long copied = copiedBytes("vol") - copiedBefore;
        assertThat(copied)
                .as("resync copies the regions fio dirtied, not the volume")
                .isPositive()
                .isLessThanOrEqualTo(16 * MiB);
        assertThat(legChecksums("h1", id))
                .hasSize(3)
                .containsOnly(legChecksums("h1", id).getFirst());
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "0", "16M", "", true)).ok();
    }

    @Test
    void stoppedNodeIsFailedAfterTheLegTimeoutAndResyncedAfterItResumes() throws Exception {
        startCluster();
        AgentProcess agent = startAgent("h1");
        String id = createAttached("vol", "64MiB", "h1");

        CompletableFuture<Tool.Result> fio = inBackground(fioJob(agent.uri(id), "8M", "16M", "2m", false));
        NodeProcess victim = nodes.get("nc");
        victim.process().pause();
        try {
            await().atMost(WAIT).until(() -> legSync("vol").contains("FAILED"));
        } finally {
            victim.process().resume();
        }
        Tool.Result r = fio.get(FIO_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.describe()).isZero();
        awaitInSync("vol");
        assertThat(copiedBytes("vol")).isPositive().isLessThanOrEqualTo(16 * MiB);
        assertThat(legChecksums("h1", id))
                .hasSize(3)
                .containsOnly(legChecksums("h1", id).getFirst());
        Tool.run(FIO_TIMEOUT, fioJob(agent.uri(id), "8M", "16M", "", true)).ok();
    }

    @Test
    void qemuIoNbdinfoAndNbdcopyReachTheAgentOnlyThroughItsOwnerOnlySocket() throws Exception {
        Tool.require("qemu-io", "qemu-utils");
        Tool.require("nbdcopy", "libnbd-bin");
        startCluster();
        AgentProcess agent = startAgent("h1");
        String id = createAttached("vol", "32MiB", "h1");
        String uri = agent.uri(id);
        assertThat(uri).isEqualTo("nbd+unix:///" + id + "?socket=" + agent.socket());

        // no NBD port anyone could reach: TCP only for the metrics, the volumes on a 0600 socket
        int metricsPort = URI.create(agent.metricsUrl()).getPort();
        assertThat(TcpListeners.ports(agent.process().pid()))
                .as("the agent's listening TCP ports")
                .containsExactly(metricsPort);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(agent.socket())))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(agent.socket().getParent())))
                .isEqualTo("rwx------");
        assertThat(volume("vol").get("attachment").get("nbdAddress").asText())
                .as("the address the controller shows")
                .isEqualTo(agent.socket().toString());

        byte[] data = realClientsRoundTrip(uri, (int) (32 * MiB));
        assertThat(legChecksums("h1", id)).containsOnly(sha(data));
    }

    private static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
