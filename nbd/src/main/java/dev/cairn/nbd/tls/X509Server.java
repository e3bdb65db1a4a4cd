package dev.cairn.nbd.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/** A server's x509 credentials, through the JDK's TLS. */
final class X509Server implements ServerTls {
    private final SSLContext context;
    private final boolean verifiesClients;
    private final String description;

    private X509Server(SSLContext context, boolean verifiesClients, String description) {
        this.context = context;
        this.verifiesClients = verifiesClients;
        this.description = description;
    }

    static X509Server load(Path certificateFile, Path keyFile, Optional<Path> clientCaFile) throws IOException {
        SslContexts.Identity identity = TlsFiles.identity(certificateFile, keyFile);
        Optional<List<X509Certificate>> clientCa = Optional.empty();
        if (clientCaFile.isPresent()) {
            clientCa = Optional.of(TlsFiles.certificates(clientCaFile.get(), "the client CA file"));
        }
        SSLContext context = SslContexts.create(Optional.of(identity), clientCa);
        String subject = identity.chain().getFirst().getSubjectX500Principal().getName();
        return new X509Server(
                context,
                clientCa.isPresent(),
                "x509 (" + subject + (clientCa.isPresent() ? "; client certificates required)" : ")"));
    }

    SSLEngine newEngine() {
        return SslContexts.serverEngine(context, verifiesClients);
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
