package dev.cairn.nbd.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * TLS for Cairn's HTTP APIs (the controller's REST API, a storage node's admin API), from the same
 * PEM files and with the same checks as NBD's x509: a key readable by its owner only, that belongs
 * to its certificate. HTTP has no PSK: its TLS is x509 only, and a client proves itself with its
 * bearer token, not a certificate.
 */
public final class HttpsTls {
    private HttpsTls() {}

    /** A server's context: its certificate chain (leaf first) and key. */
    public static SSLContext server(Path certificateFile, Path keyFile) throws IOException {
        return SslContexts.create(Optional.of(TlsFiles.identity(certificateFile, keyFile)), Optional.empty());
    }

    /** A client's context that trusts the certificates in {@code caFile} and nothing else. */
    public static SSLContext client(Path caFile) throws IOException {
        return SslContexts.create(Optional.empty(), Optional.of(TlsFiles.certificates(caFile, "the CA file")));
    }

    /** The protocols offered, as NBD's TLS offers them: TLS 1.3, then 1.2. */
    public static String[] protocols() {
        return SslContexts.protocols();
    }
}
