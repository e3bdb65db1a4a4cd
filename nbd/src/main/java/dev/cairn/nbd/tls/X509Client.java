package dev.cairn.nbd.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/** A client's x509 trust (and optional certificate), through the JDK's TLS. */
final class X509Client implements ClientTls {
    private final SSLContext context;
    private final String description;

    private X509Client(SSLContext context, String description) {
        this.context = context;
        this.description = description;
    }

    static X509Client load(Path caFile, Optional<Path> certificateFile, Optional<Path> keyFile) throws IOException {
        if (certificateFile.isPresent() != keyFile.isPresent()) {
            throw new IOException("a client certificate needs both its certificate file and its key file");
        }
        List<X509Certificate> ca = TlsFiles.certificates(caFile, "the CA file");
        Optional<SslContexts.Identity> identity = Optional.empty();
        if (certificateFile.isPresent()) {
            identity = Optional.of(TlsFiles.identity(certificateFile.get(), keyFile.get()));
        }
        String trust = "x509 (trusting "
                + ca.getFirst().getSubjectX500Principal().getName()
                + identity.map(i -> "; as "
                                + i.chain().getFirst().getSubjectX500Principal().getName())
                        .orElse("")
                + ")";
        return new X509Client(SslContexts.create(identity, Optional.of(ca)), trust);
    }

    SSLEngine newEngine(String host, int port) {
        return SslContexts.clientEngine(context, host, port);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public String toString() {
        return describe();
    }
}
