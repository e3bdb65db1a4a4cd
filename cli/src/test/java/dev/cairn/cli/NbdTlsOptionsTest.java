package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.testkit.TlsMaterial;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemons' NBD TLS options: combinations that make no sense are refused before anything starts. */
class NbdTlsOptionsTest {
    @TempDir
    static Path dir;

    static TlsMaterial certs;
    static Path psk;

    @BeforeAll
    static void material() throws IOException {
        certs = TlsMaterial.create(dir.resolve("certs"));
        psk = dir.resolve("keys.psk");
        TlsMaterial.writePskFile(psk, List.of("a", "b"));
    }

    /** Runs {@code cairn node} with a drive that must not be touched and these options; its stderr. */
    private static String nodeRefuses(String... tls) {
        StringWriter err = new StringWriter();
        List<String> args =
                new java.util.ArrayList<>(List.of("node", "--drive", dir.resolve("never.img") + ",size=64MiB"));
        args.addAll(List.of(tls));
        int code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args.toArray(String[]::new));
        assertThat(code).isEqualTo(1);
        assertThat(dir.resolve("never.img")).doesNotExist();
        return err.toString();
    }

    @Test
    void mismatchedOptionsAreRefusedBeforeADriveIsTouched() {
        String cert = certs.serverCert().toString();
        String key = certs.serverKey().toString();
        String ca = certs.caCert().toString();
        assertThat(nodeRefuses("--tls-cert", cert)).contains("--tls-cert and --tls-key go together");
        assertThat(nodeRefuses("--tls-ca", ca)).contains("--tls-ca needs --tls-cert and --tls-key");
        assertThat(nodeRefuses("--tls-psk-file", psk.toString(), "--tls-cert", cert, "--tls-key", key))
                .contains("--tls-psk-file is instead of --tls-cert/--tls-key/--tls-ca");
        assertThat(nodeRefuses("--leg-tls-cert", cert, "--leg-tls-key", key))
                .contains("--leg-tls-cert and --leg-tls-key need --leg-tls-ca");
        assertThat(nodeRefuses("--leg-tls-username", "a")).contains("--leg-tls-username needs --leg-tls-psk-file");
        assertThat(nodeRefuses("--leg-tls-psk-file", psk.toString()))
                .contains("holds 2 identities; say which one to use");
        assertThat(nodeRefuses(
                        "--tls-cert", cert, "--tls-key", certs.clientKey().toString()))
                .contains("does not belong to the certificate");
    }

    /** Runs {@code cairn controller} with a data directory that must not be made and {@code tls}; its stderr. */
    private static String controllerRefuses(String... tls) {
        StringWriter err = new StringWriter();
        Path data = dir.resolve("controller-never");
        List<String> args = new java.util.ArrayList<>(List.of("controller", "--data", data.toString()));
        args.addAll(List.of(tls));
        int code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args.toArray(String[]::new));
        assertThat(code).isEqualTo(1);
        assertThat(data).doesNotExist();
        return err.toString();
    }

    @Test
    void theControllersHttpsOptionsAreCheckedBeforeItStarts() {
        String cert = certs.serverCert().toString();
        assertThat(controllerRefuses("--tls-cert", cert)).contains("--tls-cert and --tls-key go together");
        assertThat(controllerRefuses(
                        "--tls-cert", cert, "--tls-key", certs.clientKey().toString()))
                .contains("does not belong to the certificate");
        assertThat(nodeRefuses("--controller-ca", certs.caCert().toString()))
                .contains("--controller-ca is for a node linked to a controller");
    }

    @Test
    void soundOptionsLoad() throws IOException {
        NbdTlsOptions x509 = new NbdTlsOptions();
        x509.cert = java.util.Optional.of(certs.serverCert());
        x509.key = java.util.Optional.of(certs.serverKey());
        x509.clientCa = java.util.Optional.of(certs.caCert());
        x509.legCa = java.util.Optional.of(certs.caCert());
        x509.legCert = java.util.Optional.of(certs.clientCert());
        x509.legKey = java.util.Optional.of(certs.clientKey());
        assertThat(x509.load().toString())
                .startsWith("serving x509 (CN=cairn-test-server; client certificates required), connecting x509"
                        + " (trusting CN=Cairn test CA")
                .endsWith("; as CN=cairn-test-client)");
        NbdTlsOptions preShared = new NbdTlsOptions();
        preShared.psk = java.util.Optional.of(psk);
        preShared.legPsk = java.util.Optional.of(psk);
        preShared.legUsername = java.util.Optional.of("b");
        assertThat(preShared.load().toString()).isEqualTo("serving PSK (2 identities), connecting PSK (identity b)");
        assertThat(new NbdTlsOptions().load().toString()).isEqualTo("serving without TLS, connecting without TLS");
    }
}
