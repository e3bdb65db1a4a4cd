package dev.cairn.node;

import static dev.cairn.nbd.NbdProtocol.REP_ERR_TLS_REQD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.nbd.client.HandshakeException;
import dev.cairn.nbd.client.NbdClient;
import dev.cairn.nbd.tls.ClientTls;
import dev.cairn.nbd.tls.NbdTls;
import dev.cairn.nbd.tls.ServerTls;
import dev.cairn.testkit.TlsMaterial;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A node configured with TLS serves its extents over TLS only, credentials and fencing as ever. */
class TlsExportsTest extends NodeFixture {

    @Test
    void extentsAreServedOverTlsOnly() throws Exception {
        TlsMaterial certs = TlsMaterial.create(dir.resolve("certs"));
        tls = new NbdTls(
                Optional.of(ServerTls.x509(certs.serverCert(), certs.serverKey(), Optional.empty())), Optional.empty());
        startNode(1);
        UUID id = createExtent(1 << 20, 2, "s3cret");
        String export = id + ";gen=2;key=s3cret";
        assertThatThrownBy(() -> NbdClient.connect(nbd(), export))
                .isInstanceOf(HandshakeException.class)
                .satisfies(e -> assertThat(((HandshakeException) e).replyType()).isEqualTo(REP_ERR_TLS_REQD));
        NbdClient.Options overTls = NbdClient.Options.DEFAULT.withTls(
                Optional.of(ClientTls.x509(certs.caCert(), Optional.empty(), Optional.empty())));
        try (NbdClient c = NbdClient.connect(nbd(), export, overTls)) {
            c.write(0, ByteBuffer.wrap(new byte[] {4, 5, 6}), true).join();
            assertThat(c.read(0, 3).join()).isEqualTo(ByteBuffer.wrap(new byte[] {4, 5, 6}));
        }
        assertThatThrownBy(() -> NbdClient.connect(nbd(), id + ";gen=1;key=s3cret", overTls))
                .isInstanceOf(HandshakeException.class)
                .hasMessageContaining("generation 1 does not match");
    }
}
