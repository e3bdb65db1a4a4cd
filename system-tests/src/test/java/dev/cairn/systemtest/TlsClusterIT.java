package dev.cairn.systemtest;

import static dev.cairn.nbd.NbdProtocol.REP_ERR_TLS_REQD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.control.api.ReadyFile;
import dev.cairn.local.DaemonArgs;
import dev.cairn.nbd.client.HandshakeException;
import dev.cairn.nbd.client.NbdClient;
import dev.cairn.nbd.tls.ClientTls;
import dev.cairn.testkit.CairnProcess;
import dev.cairn.testkit.TlsMaterial;
import dev.cairn.testkit.Tool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * NBD over TLS end to end, with x509 certificates and with pre-shared keys: storage nodes that
 * serve their extents over TLS only, an agent that reaches its legs over TLS and serves its volume
 * on TCP over TLS ({@code --nbd-listen}), and a node that copies a detached volume's new leg from
 * another node over TLS. A volume is written and read with nbdcopy, qemu-io and nbdinfo through
 * {@code nbds://}; every leg ends identical; a node refuses a client that does not upgrade.
 */
class TlsClusterIT extends ReplicationFixture {
    private static final int MiB = 1 << 20;

    private CairnProcess agent;

    @AfterEach
    void stopTheTcpAgent() {
        if (agent != null) {
            agent.close();
        }
    }

    @Test
    void certificates() throws Exception {
        TlsMaterial certs = TlsMaterial.create(dir.resolve("tls"));
        String cert = certs.serverCert().toString();
        String key = certs.serverKey().toString();
        String ca = certs.caCert().toString();
        legOptions = NbdClient.Options.DEFAULT.withTls(
                Optional.of(ClientTls.x509(certs.caCert(), Optional.empty(), Optional.empty())));
        restTls = Optional.of(certs); // and the controller's REST API over HTTPS
        endToEnd(
                List.of("--tls-cert", cert, "--tls-key", key, "--leg-tls-ca", ca),
                List.of("--tls-cert", cert, "--tls-key", key, "--leg-tls-ca", ca),
                uri -> uri + "?tls-certificates=" + certs.dir(),
                "tls-creds-x509,id=tls0,endpoint=client,dir=" + certs.dir());
    }

    @Test
    void preSharedKeys() throws Exception {
        Path keys = Files.createDirectories(dir.resolve("psk")).resolve("keys.psk"); // qemu wants DIR/keys.psk
        TlsMaterial.writePskFile(keys, List.of("cairn"));
        String file = keys.toString();
        legOptions = NbdClient.Options.DEFAULT.withTls(Optional.of(ClientTls.psk(keys, Optional.of("cairn"))));
        endToEnd(
                List.of("--tls-psk-file", file, "--leg-tls-psk-file", file),
                List.of("--tls-psk-file", file, "--leg-tls-psk-file", file, "--leg-tls-username", "cairn"),
                uri -> uri.replace("nbds://", "nbds://cairn@") + "?tls-psk-file=" + file,
                "tls-creds-psk,id=tls0,endpoint=client,username=cairn,dir=" + keys.getParent());
    }

    /**
     * Four nodes in four zones; a 3-leg volume attached to an agent on TCP with TLS, written and
     * read through it; then, detached, given a fourth leg that its node copies from another node;
     * every leg holds the data.
     */
    private void endToEnd(
            List<String> nodeTls, List<String> agentTls, UnaryOperator<String> withCredentials, String qemuCredentials)
            throws Exception {
        Tool.require("nbdcopy", "libnbd-bin");
        Tool.require("qemu-io", "qemu-utils");
        controllerGroup(1);
        startController("c1");
        startNodes(List.of("na", "nb", "nc", "nd"), n -> startNode(n, n.substring(1), nodeTls));
        awaitNodesOnline(4);
        String nbd = startTcpAgent("h1", agentTls);
        String id = createAttached("vol", "32MiB", "h1");
        String uri = withCredentials.apply("nbds://" + nbd + "/" + id);
        await().atMost(WAIT) // the URI an operator copies from `volume show` says TLS
                .until(() -> cli("volume", "show", "vol").ok().stdout().contains("nbds://" + nbd + "/" + id));

        byte[] data = new byte[32 * MiB];
        new Random(11).nextBytes(data);
        Path in = dir.resolve("in.bin");
        Path out = dir.resolve("out.bin");
        Files.write(in, data);
        Tool.run(FIO_TIMEOUT, "nbdcopy", in.toString(), uri).ok();
        Tool.run(FIO_TIMEOUT, "nbdcopy", uri, out.toString()).ok();
        assertThat(sha(Files.readAllBytes(out))).isEqualTo(sha(data));
        assertThat(Tool.run(FIO_TIMEOUT, "nbdinfo", "--json", uri).ok().stdout())
                .contains("\"TLS\": true")
                .contains("\"export-size\": " + 32 * MiB);
        String[] hostPort = nbd.split(":", 2);
        Tool.Result qemu = Tool.run(
                        FIO_TIMEOUT,
                        "qemu-io",
                        "--object",
                        qemuCredentials,
                        "--image-opts",
                        "driver=raw,file.driver=nbd,file.host=" + hostPort[0] + ",file.port=" + hostPort[1]
                                + ",file.export=" + id + ",file.tls-creds=tls0",
                        "-c",
                        "write -P 0x5c 1M 64k",
                        "-c",
                        "read -P 0x5c 1M 64k")
                .ok();
        assertThat(qemu.stdout()).contains("read 65536/65536 bytes at offset 1048576");
        Tool.Result plain = Tool.run(FIO_TIMEOUT, "nbdinfo", "nbd://" + nbd + "/" + id);
        assertThat(plain.exitCode())
                .as("the agent's TCP export without TLS: %s", plain.describe())
                .isNotZero();
        java.util.Arrays.fill(data, MiB, MiB + 64 * 1024, (byte) 0x5c); // what qemu-io wrote
        assertThat(legChecksums("h1", id)).hasSize(3).containsOnly(sha(data));

        LegExport leg = legExports("h1", id).getFirst();
        assertThatThrownBy(() -> NbdClient.connect(leg.address(), leg.exportName()))
                .isInstanceOf(HandshakeException.class)
                .satisfies(e -> assertThat(((HandshakeException) e).replyType()).isEqualTo(REP_ERR_TLS_REQD));

        cli("volume", "detach", "vol").ok();
        cli("volume", "add-replica", "vol").ok();
        await().atMost(WAIT)
                .until(
                        () -> { // the new leg's node copied it (over TLS), nobody attached
                            int synced = 0;
                            for (JsonNode l : volume("vol").get("legs")) {
                                synced += l.get("synced").asBoolean() ? 1 : 0;
                            }
                            return synced == 4;
                        });
        attach("vol", "h1", false);
        assertThat(legChecksums("h1", id)).hasSize(4).containsOnly(sha(data));
    }

    /** An agent that serves on TCP (with TLS, as it must); its NBD address, HOST:PORT. */
    private String startTcpAgent(String host, List<String> tls) throws IOException {
        Path home = Files.createDirectories(dir.resolve("agent-" + host));
        Path ready = home.resolve("ready.json");
        List<String> args = new ArrayList<>(List.of(
                "agent",
                "--host",
                host,
                "--nbd-listen",
                "127.0.0.1:0",
                "--metrics",
                "127.0.0.1:0",
                "--ready-file",
                ready.toString(),
                // TLS on a shared 2-core machine: nbdcopy's 64 MiB in flight take seconds to pass
                // through four encrypting processes; a short leg timeout would fail legs that are
                // merely busy, which is not what this test is about
                "--leg-timeout",
                "30s",
                "--retry-every",
                "200ms",
                "--report-every",
                "500ms"));
        args.addAll(DaemonArgs.controllerLink(urls(), tokens().resolve("node.token")));
        args.addAll(controllerCa());
        args.addAll(tls);
        CairnProcess.Ready<ReadyFile.Agent> r =
                CairnProcess.startDaemon(home.resolve("agent.log"), args, ready, ReadyFile.Agent.class);
        agent = r.process();
        await().atMost(WAIT)
                .until(() ->
                        api().get("/v1/agents").ok().findValuesAsText("host").contains(host));
        return r.info().nbd();
    }

    private static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
