package dev.cairn.cli;

import dev.cairn.nbd.tls.ClientTls;
import dev.cairn.nbd.tls.NbdTls;
import dev.cairn.nbd.tls.ServerTls;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The TLS options of the daemons that speak NBD (node, agent): what their own NBD server requires
 * of clients, and what they use to reach storage nodes' exports (legs). Loaded and checked before
 * the daemon starts anything.
 */
final class NbdTlsOptions {

    @Option(
            names = "--tls-cert",
            paramLabel = "FILE",
            description = "Serve NBD over TLS only (x509): this certificate (PEM; then its intermediates)."
                    + " Needs --tls-key.")
    Optional<Path> cert = Optional.empty();

    @Option(names = "--tls-key", paramLabel = "FILE", description = "The private key of --tls-cert (PEM, mode 0600).")
    Optional<Path> key = Optional.empty();

    @Option(
            names = "--tls-ca",
            paramLabel = "FILE",
            description = "With --tls-cert: clients must present a certificate this CA signed.")
    Optional<Path> clientCa = Optional.empty();

    @Option(
            names = "--tls-psk-file",
            paramLabel = "FILE",
            description = "Serve NBD over TLS only, with pre-shared keys: a psktool keys file (IDENTITY:HEXKEY"
                    + " lines, mode 0600); any identity in it may connect.")
    Optional<Path> psk = Optional.empty();

    @Option(
            names = "--leg-tls-ca",
            paramLabel = "FILE",
            description = "Reach storage nodes' NBD exports over TLS (x509), trusting node certificates this CA"
                    + " signed; a node's certificate must name the address it advertises.")
    Optional<Path> legCa = Optional.empty();

    @Option(
            names = "--leg-tls-cert",
            paramLabel = "FILE",
            description = "With --leg-tls-ca: a client certificate to present (for nodes started with --tls-ca).")
    Optional<Path> legCert = Optional.empty();

    @Option(
            names = "--leg-tls-key",
            paramLabel = "FILE",
            description = "The private key of --leg-tls-cert (PEM, mode 0600).")
    Optional<Path> legKey = Optional.empty();

    @Option(
            names = "--leg-tls-psk-file",
            paramLabel = "FILE",
            description = "Reach storage nodes' NBD exports over TLS with a pre-shared key from this keys file.")
    Optional<Path> legPsk = Optional.empty();

    @Option(
            names = "--leg-tls-username",
            paramLabel = "NAME",
            description = "The identity of --leg-tls-psk-file to use (default: its only one).")
    Optional<String> legUsername = Optional.empty();

    /** The TLS these options ask for, loaded; a combination that makes no sense is refused. */
    NbdTls load() throws IOException {
        return new NbdTls(serving(), connecting());
    }

    private Optional<ServerTls> serving() throws IOException {
        if (psk.isPresent()) {
            if (cert.isPresent() || key.isPresent() || clientCa.isPresent()) {
                throw new IllegalArgumentException(
                        "--tls-psk-file is instead of --tls-cert/--tls-key/--tls-ca, not with them");
            }
            return Optional.of(ServerTls.psk(psk.get()));
        }
        if (cert.isPresent() != key.isPresent()) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together");
        }
        if (cert.isEmpty()) {
            if (clientCa.isPresent()) {
                throw new IllegalArgumentException("--tls-ca needs --tls-cert and --tls-key");
            }
            return Optional.empty();
        }
        return Optional.of(ServerTls.x509(cert.get(), key.get(), clientCa));
    }

    private Optional<ClientTls> connecting() throws IOException {
        if (legPsk.isPresent()) {
            if (legCa.isPresent() || legCert.isPresent() || legKey.isPresent()) {
                throw new IllegalArgumentException(
                        "--leg-tls-psk-file is instead of --leg-tls-ca/--leg-tls-cert/--leg-tls-key, not with them");
            }
            return Optional.of(ClientTls.psk(legPsk.get(), legUsername));
        }
        if (legUsername.isPresent()) {
            throw new IllegalArgumentException("--leg-tls-username needs --leg-tls-psk-file");
        }
        if (legCa.isEmpty()) {
            if (legCert.isPresent() || legKey.isPresent()) {
                throw new IllegalArgumentException("--leg-tls-cert and --leg-tls-key need --leg-tls-ca");
            }
            return Optional.empty();
        }
        if (legCert.isPresent() != legKey.isPresent()) {
            throw new IllegalArgumentException("--leg-tls-cert and --leg-tls-key go together");
        }
        return Optional.of(ClientTls.x509(legCa.get(), legCert, legKey));
    }
}
