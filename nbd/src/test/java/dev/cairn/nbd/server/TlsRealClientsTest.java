package dev.cairn.nbd.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.nbd.tls.ServerTls;
import dev.cairn.testkit.Patterns;
import dev.cairn.testkit.TlsMaterial;
import dev.cairn.testkit.Tool;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's TLS (STARTTLS, FORCEDTLS) as real clients see it: libnbd's nbdinfo and nbdcopy
 * ({@code nbds://} URIs) and qemu's NBD driver ({@code tls-creds-x509} and {@code tls-creds-psk}),
 * all GnuTLS, with x509 certificates and with pre-shared keys.
 */
class TlsRealClientsTest {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    static TlsMaterial certs;
    /** The PSK directory qemu wants ({@code keys.psk} in it); libnbd and nbdkit take the file. */
    static Path pskDir;

    static Path pskFile;

    MemoryExports exports;
    NbdServer server;

    @BeforeAll
    static void material() throws IOException {
        Tool.require("nbdinfo", "libnbd-bin");
        Tool.require("nbdcopy", "libnbd-bin");
        Tool.require("qemu-io", "qemu-utils");
        certs = TlsMaterial.create(dir.resolve("certs"));
        pskDir = Files.createDirectories(dir.resolve("psk"));
        pskFile = pskDir.resolve("keys.psk");
        TlsMaterial.writePskFile(pskFile, List.of("alice", "bob"));
    }

    void start(ServerTls tls) throws IOException {
        exports = new MemoryExports();
        exports.add("disk", 4 << 20);
        server = NbdServer.start(
                ServerConfig.defaults(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                        .withHandshakeTimeout(Duration.ofSeconds(10))
                        .withTls(tls),
                exports);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
            exports.close();
        }
    }

    String x509Uri(Path certificates) {
        return "nbds://127.0.0.1:" + server.port() + "/disk?tls-certificates=" + certificates;
    }

    /** libnbd takes the PSK identity from the URI's user. */
    String pskUri(Path keys, String user) {
        return "nbds://" + user + "@127.0.0.1:" + server.port() + "/disk?tls-psk-file=" + keys;
    }

    JsonNode nbdinfo(String uri) throws IOException {
        return new ObjectMapper()
                .readTree(Tool.run(TIMEOUT, "nbdinfo", "--json", uri).ok().stdout());
    }

    @Test
    void nbdinfoConnectsWithCertificates() throws Exception {
        start(ServerTls.x509(certs.serverCert(), certs.serverKey(), Optional.empty()));
        JsonNode json = nbdinfo(x509Uri(certs.dir()));
        assertThat(json.get("TLS").asBoolean()).isTrue();
        assertThat(json.get("exports").get(0).get("export-size").asLong()).isEqualTo(4 << 20);
    }

    @Test
    void nbdcopyMovesDataBothWaysWithPreSharedKeys() throws Exception {
        start(ServerTls.psk(pskFile));
        Path in = dir.resolve("in.img");
        Path out = dir.resolve("out.img");
        byte[] data = new byte[4 << 20];
        Patterns.random(data.length, 7).get(data);
        Files.write(in, data);
        Tool.run(TIMEOUT, "nbdcopy", in.toString(), pskUri(pskFile, "alice")).ok();
        Tool.run(TIMEOUT, "nbdcopy", pskUri(pskFile, "bob"), out.toString()).ok();
        assertThat(Files.readAllBytes(out)).isEqualTo(data);
        assertThat(exports.disks.get("disk").bytes).isEqualTo(data);
    }

    @Test
    void qemuIoWritesAndReadsWithCertificates() throws Exception {
        start(ServerTls.x509(certs.serverCert(), certs.serverKey(), Optional.empty()));
        Tool.Result r = Tool.run(
                        TIMEOUT,
                        "qemu-io",
                        "--object",
                        "tls-creds-x509,id=tls0,endpoint=client,dir=" + certs.dir(),
                        "--image-opts",
                        qemuImage("tls0"),
                        "-c",
                        "write -P 0x5a 0 1M",
                        "-c",
                        "read -P 0x5a 0 1M")
                .ok();
        assertThat(r.stdout()).contains("read 1048576/1048576 bytes at offset 0");
        assertThat(exports.disks.get("disk").bytes[4095]).isEqualTo((byte) 0x5a);
    }

    @Test
    void qemuIoWritesAndReadsWithPreSharedKeysOverTls13And12() throws Exception {
        start(ServerTls.psk(pskFile));
        for (String priority : List.of("NORMAL", "NORMAL:-VERS-TLS1.3")) {
            Tool.Result r = Tool.run(
                            TIMEOUT,
                            "qemu-io",
                            "--object",
                            "tls-creds-psk,id=tls0,endpoint=client,username=alice,priority=" + priority + ",dir="
                                    + pskDir,
                            "--image-opts",
                            qemuImage("tls0"),
                            "-c",
                            "write -P 0x3c 64k 64k",
                            "-c",
                            "read -P 0x3c 64k 64k")
                    .ok();
            assertThat(r.stdout()).as(priority).contains("read 65536/65536 bytes at offset 65536");
        }
    }

    @Test
    void clientCertificatesAreRequiredWhenTheServerHasACa() throws Exception {
        start(ServerTls.x509(certs.serverCert(), certs.serverKey(), Optional.of(certs.caCert())));
        assertThat(nbdinfo(x509Uri(certs.dir())).get("TLS").asBoolean()).isTrue();
        Path caOnly = Files.createDirectories(dir.resolve("ca-only"));
        Files.copy(certs.caCert(), caOnly.resolve("ca-cert.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Tool.Result refused = Tool.run(TIMEOUT, "nbdinfo", x509Uri(caOnly));
        assertThat(refused.exitCode()).as(refused.describe()).isNotZero();
        assertThat(nbdinfo(x509Uri(certs.dir())).get("TLS").asBoolean()).isTrue();
    }

    @Test
    void aServerCertificateFromAnotherCaIsRefused() throws Exception {
        start(ServerTls.x509(certs.serverCert(), certs.serverKey(), Optional.empty()));
        TlsMaterial other = TlsMaterial.create(dir.resolve("other-ca"));
        Tool.Result refused = Tool.run(TIMEOUT, "nbdinfo", x509Uri(other.dir()));
        assertThat(refused.exitCode()).as(refused.describe()).isNotZero();
        assertThat(refused.stderr()).containsIgnoringCase("certificate");
        assertThat(nbdinfo(x509Uri(certs.dir())).get("TLS").asBoolean()).isTrue();
    }

    @Test
    void aWrongKeyOrAnUnknownIdentityIsRefused() throws Exception {
        start(ServerTls.psk(pskFile));
        Path wrong = dir.resolve("wrong.psk");
        TlsMaterial.writePskFile(wrong, List.of("alice", "mallory"));
        for (String user : List.of("alice", "mallory")) {
            Tool.Result refused = Tool.run(TIMEOUT, "nbdinfo", pskUri(wrong, user));
            assertThat(refused.exitCode()).as(refused.describe()).isNotZero();
        }
        assertThat(nbdinfo(pskUri(pskFile, "alice")).get("TLS").asBoolean()).isTrue();
    }

    @Test
    void aClientWithoutTlsIsRefusedCleanlyAndTheServerGoesOn() throws Exception {
        start(ServerTls.psk(pskFile));
        Tool.Result plain = Tool.run(TIMEOUT, "nbdinfo", "nbd://127.0.0.1:" + server.port() + "/disk");
        assertThat(plain.exitCode()).as(plain.describe()).isNotZero();
        Tool.Result qemu = Tool.run(TIMEOUT, "qemu-img", "info", "nbd://127.0.0.1:" + server.port() + "/disk");
        assertThat(qemu.exitCode()).as(qemu.describe()).isNotZero();
        assertThat(qemu.stderr()).contains("requires TLS");
        assertThat(nbdinfo(pskUri(pskFile, "alice")).get("TLS").asBoolean()).isTrue();
    }

    private String qemuImage(String creds) {
        return "driver=raw,file.driver=nbd,file.host=127.0.0.1,file.port=" + server.port()
                + ",file.export=disk,file.tls-creds=" + creds;
    }
}
