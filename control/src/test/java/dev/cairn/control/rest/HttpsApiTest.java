package dev.cairn.control.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.control.api.ControlClient;
import dev.cairn.control.api.ControlException;
import dev.cairn.control.api.Views;
import dev.cairn.control.testing.ControllerHarness;
import dev.cairn.nbd.tls.HttpsTls;
import dev.cairn.testkit.TlsMaterial;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REST API served over HTTPS ({@code cairn controller --tls-cert}), and its clients. */
class HttpsApiTest {
    private static final String ADMIN = ControllerHarness.ADMIN_TOKEN;

    @TempDir
    java.nio.file.Path dir;

    TlsMaterial certs;
    ControllerHarness controller;
    ControllerApi api;

    @BeforeEach
    void start() throws IOException {
        certs = TlsMaterial.create(dir);
        controller = ControllerHarness.start(
                new ControllerApi.Settings(0, 0, Optional.of(HttpsTls.server(certs.serverCert(), certs.serverKey()))));
        api = controller.api();
    }

    @AfterEach
    void stop() {
        controller.close();
    }

    private ControlClient client(String scheme, Optional<java.nio.file.Path> ca) throws IOException {
        return new ControlClient(
                List.of(URI.create(scheme + "://127.0.0.1:" + api.port())),
                Optional.of(ADMIN),
                Duration.ofSeconds(10),
                ca.isPresent() ? Optional.of(HttpsTls.client(ca.get())) : Optional.empty());
    }

    @Test
    void aClientThatTrustsTheControllersCaIsServed() throws Exception {
        List<Views.VolumeView> volumes =
                client("https", Optional.of(certs.caCert())).volumes().list();
        assertThat(volumes).isEmpty();
    }

    @Test
    void aClientWithoutTheCaIsToldWhichOptionGivesIt() {
        assertThatThrownBy(() -> client("https", Optional.empty()).volumes().list())
                .isInstanceOf(ControlException.class)
                .hasMessageContaining("SSLHandshakeException")
                .hasMessageContaining("--controller-ca");
    }

    @Test
    void plainHttpIsNotServed() {
        assertThatThrownBy(() -> client("http", Optional.empty()).volumes().list())
                .isInstanceOf(ControlException.class);
    }

    @Test
    void tls13IsSpokenAnd12Too() throws Exception {
        javax.net.ssl.SSLContext context = HttpsTls.client(certs.caCert());
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", api.port())) {
            socket.startHandshake();
            assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
        }
        try (SSLSocket older = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", api.port())) {
            older.setEnabledProtocols(new String[] {"TLSv1.2"});
            older.startHandshake();
            assertThat(older.getSession().getProtocol()).isEqualTo("TLSv1.2");
        }
    }
}
