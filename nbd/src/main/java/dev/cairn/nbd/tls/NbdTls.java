package dev.cairn.nbd.tls;

import java.util.Optional;

/**
 * The TLS a daemon uses for NBD: what its own server requires of clients ({@code serving}), and
 * what it uses as a client of other servers ({@code connecting}: an agent's or a node's leg
 * connections to storage nodes). Either may be absent.
 */
public record NbdTls(Optional<ServerTls> serving, Optional<ClientTls> connecting) {
    public static final NbdTls NONE = new NbdTls(Optional.empty(), Optional.empty());

    @Override
    public String toString() {
        return "serving " + serving.map(ServerTls::describe).orElse("without TLS") + ", connecting "
                + connecting.map(ClientTls::describe).orElse("without TLS");
    }
}
