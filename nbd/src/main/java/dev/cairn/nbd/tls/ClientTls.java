package dev.cairn.nbd.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How an NBD client does TLS: x509 (trusting the server certificates a CA signed, and checking the
 * server's name or address against its certificate; optionally presenting a certificate of its
 * own), or a pre-shared key (an identity and its key from a keys file). A client configured with
 * either sends NBD_OPT_STARTTLS first and goes no further if the server refuses it.
 */
public sealed interface ClientTls permits X509Client, PskClient {

    /**
     * x509: {@code ca} holds the CA certificate(s) server certificates must chain to; {@code
     * certificate} and {@code key}, both or neither, a certificate to present to servers that ask.
     */
    static ClientTls x509(Path ca, Optional<Path> certificate, Optional<Path> key) throws IOException {
        return X509Client.load(ca, certificate, key);
    }

    /**
     * A pre-shared key: {@code identity}'s key in the keys file; without an identity, the file must
     * hold exactly one.
     */
    static ClientTls psk(Path keysFile, Optional<String> identity) throws IOException {
        PskKeys keys = PskKeys.load(keysFile);
        if (identity.isEmpty()) {
            if (keys.identities().size() != 1) {
                throw new IOException("the PSK file " + keysFile + " holds "
                        + keys.identities().size() + " identities; say which one to use");
            }
            return new PskClient(keys.identities().iterator().next(), keys);
        }
        if (!keys.identities().contains(identity.get())) {
            throw new IOException("the PSK file " + keysFile + " has no identity '" + identity.get() + "'");
        }
        return new PskClient(identity.get(), keys);
    }

    /** What the client uses, for logs (never a secret). */
    String describe();
}
