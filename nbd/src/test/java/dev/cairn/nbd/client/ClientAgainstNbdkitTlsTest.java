package dev.cairn.nbd.client;

import static dev.cairn.nbd.NbdProtocol.REP_ERR_TLS_REQD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.nbd.tls.ClientTls;
import dev.cairn.testkit.Nbdkit;
import dev.cairn.testkit.Patterns;
import dev.cairn.testkit.TlsMaterial;
import dev.cairn.testkit.Tool;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our client's TLS against a server we did not write: nbdkit (GnuTLS) with --tls=require. */
class ClientAgainstNbdkitTlsTest {
    @TempDir
    static Path dir;

    static TlsMaterial certs;
    static Path pskFile;

    Nbdkit nbdkit;
    InetSocketAddress address;

    @BeforeAll
    static void material() throws IOException {
        Tool.require("nbdkit", "nbdkit");
        certs = TlsMaterial.create(dir.resolve("certs"));
        pskFile = dir.resolve("keys.psk");
        TlsMaterial.writePskFile(pskFile, List.of("alice", "bob"));
    }

    void startNbdkit(String... tls) throws IOException {
        nbdkit = Nbdkit.start(List.of(tls), "memory", "64M");
        address = nbdkit.address();
    }

    @AfterEach
    void stopNbdkit() {
        if (nbdkit != null) {
            nbdkit.close();
        }
    }

    static NbdClient.Options with(ClientTls tls) {
        return NbdClient.Options.DEFAULT.withTls(Optional.of(tls));
    }

    static void moveData(NbdClient c) {
        ByteBuffer big = Patterns.random(8 << 20, 1);
        c.write(0, big.duplicate(), false).join();
        c.write(16 << 20, Patterns.random(4096, 2), true).join();
        c.flush().join();
        assertThat(c.read(0, 8 << 20).join()).isEqualTo(big);
        assertThat(c.read(16 << 20, 4096).join()).isEqualTo(Patterns.random(4096, 2));
    }

    @Test
    void certificatesTrustedThroughTheCa() throws Exception {
        startNbdkit("--tls=require", "--tls-certificates", certs.dir().toString());
        try (NbdClient c = NbdClient.connect(
                address, "", with(ClientTls.x509(certs.caCert(), Optional.empty(), Optional.empty())))) {
            assertThat(c.sizeBytes()).isEqualTo(64 << 20);
            moveData(c);
        }
    }

    @Test
    void aClientCertificateWhenNbdkitVerifiesPeers() throws Exception {
        startNbdkit(
                "--tls=require",
                "--tls-verify-peer",
                "--tls-certificates",
                certs.dir().toString());
        ClientTls anonymous = ClientTls.x509(certs.caCert(), Optional.empty(), Optional.empty());
        assertThatThrownBy(() -> NbdClient.connect(address, "", with(anonymous), Duration.ofSeconds(20)))
                .isInstanceOf(IOException.class);
        ClientTls identified =
                ClientTls.x509(certs.caCert(), Optional.of(certs.clientCert()), Optional.of(certs.clientKey()));
        try (NbdClient c = NbdClient.connect(address, "", with(identified))) {
            moveData(c);
        }
    }

    @Test
    void aServerFromAnotherCaIsRefused() throws Exception {
        startNbdkit("--tls=require", "--tls-certificates", certs.dir().toString());
        TlsMaterial other = TlsMaterial.create(dir.resolve("other"));
        ClientTls trustsOther = ClientTls.x509(other.caCert(), Optional.empty(), Optional.empty());
        assertThatThrownBy(() -> NbdClient.connect(address, "", with(trustsOther)))
                .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    }

    @Test
    void preSharedKeys() throws Exception {
        startNbdkit("--tls=require", "--tls-psk", pskFile.toString());
        try (NbdClient c = NbdClient.connect(address, "", with(ClientTls.psk(pskFile, Optional.of("bob"))))) {
            moveData(c);
        }
        Path wrong = dir.resolve("wrong.psk");
        TlsMaterial.writePskFile(wrong, List.of("bob"));
        assertThatThrownBy(() -> NbdClient.connect(address, "", with(ClientTls.psk(wrong, Optional.empty()))))
                .isInstanceOf(IOException.class);
    }

    @Test
    void withoutTlsTheClientSaysTheServerRequiresIt() throws Exception {
        startNbdkit("--tls=require", "--tls-psk", pskFile.toString());
        assertThatThrownBy(() -> NbdClient.connect(address, ""))
                .isInstanceOf(HandshakeException.class)
                .hasMessageContaining("the server requires TLS")
                .satisfies(e -> assertThat(((HandshakeException) e).replyType()).isEqualTo(REP_ERR_TLS_REQD));
    }

    @Test
    void aServerWithoutTlsIsNotTalkedToInClear() throws Exception {
        startNbdkit("--tls=off");
        assertThatThrownBy(() -> NbdClient.connect(address, "", with(ClientTls.psk(pskFile, Optional.of("bob")))))
                .isInstanceOf(HandshakeException.class)
                .hasMessageContaining("the server does not offer TLS");
    }
}
