package dev.cairn.nbd.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How an NBD server does TLS: x509 (a certificate chain and its key, and optionally a CA whose
 * certificates clients must present), through the JDK's TLS; or pre-shared keys, through
 * BouncyCastle's (the JDK's TLS has no external PSK). A server configured with either requires TLS
 * of every client (the NBD protocol's FORCEDTLS mode). Loaded once, at start, with errors that
 * name the file and the problem; shared by every connection.
 */
public sealed interface ServerTls permits X509Server, PskServer {

    /**
     * x509: {@code certificate} holds the server's certificate (then its intermediates), {@code
     * key} its private key (owner-only permissions); with {@code clientCa}, clients must present a
     * certificate that CA signed.
     */
    static ServerTls x509(Path certificate, Path key, Optional<Path> clientCa) throws IOException {
        return X509Server.load(certificate, key, clientCa);
    }

    /** Pre-shared keys: any identity of the keys file (owner-only permissions) may connect. */
    static ServerTls psk(Path keysFile) throws IOException {
        return new PskServer(PskKeys.load(keysFile));
    }

    /** What the server offers, for logs and status (never a secret). */
    String describe();
}
