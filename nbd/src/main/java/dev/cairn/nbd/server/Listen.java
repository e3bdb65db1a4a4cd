package dev.cairn.nbd.server;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.Optional;

/** Where an {@link NbdServer} listens: a TCP address, or a Unix domain socket file. */
public sealed interface Listen {

    /** The address the server's socket is bound to. */
    SocketAddress socketAddress();

    /** TCP on {@code address} (port 0 picks a free one): anyone who can reach the port may connect. */
    record Tcp(InetSocketAddress address) implements Listen {
        @Override
        public SocketAddress socketAddress() {
            return address;
        }
    }

    /**
     * A Unix domain socket file at {@code path}, which only its owner may connect to (mode 0600),
     * or its owner and the members of {@code group} (mode 0660, the file given to that group). The
     * file is created so that it is never reachable with looser permissions, a stale one (nothing
     * listening) is replaced, a live one refused, and it is removed when the server stops: see
     * {@link UnixSocketFile}.
     */
    record Unix(Path path, Optional<String> group) implements Listen {
        public Unix {
            path = path.toAbsolutePath().normalize();
            if (path.getFileName() == null) {
                throw new IllegalArgumentException("a Unix socket needs a file name, not " + path);
            }
            if (group.isPresent() && group.get().isBlank()) {
                throw new IllegalArgumentException("the socket's group name is empty");
            }
        }

        @Override
        public SocketAddress socketAddress() {
            return UnixDomainSocketAddress.of(path);
        }
    }
}
