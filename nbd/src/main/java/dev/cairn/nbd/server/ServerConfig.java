package dev.cairn.nbd.server;

import dev.cairn.nbd.tls.ServerTls;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * How an {@link NbdServer} listens and what it allows each client.
 *
 * @param listen a TCP address and port (port 0 picks a free one), or a Unix domain socket file
 * @param maxConnections connections beyond this are closed at once
 * @param handshakeTimeout a client that has not finished negotiating by then is disconnected
 * @param payloadTimeout a client that leaves the server waiting this long is disconnected: a
 *     request header begun and not finished, a payload not all sent within this time of its header,
 *     or a reply it does not take a byte of (what it pins is its own connection's memory, so this
 *     only bounds how long)
 * @param maxInFlightPerConnection requests one connection may have outstanding before the server
 *     stops reading from it
 * @param bufferBudgetBytes write data received and handed to the export, shared by all
 *     connections; when it is spent readers wait for the export to write some (device time, never
 *     a client's). Each connection's own memory comes on top: see the package design note
 * @param tls with it, every client must upgrade to TLS (NBD_OPT_STARTTLS) before any other
 *     option: the protocol's FORCEDTLS mode; without it, STARTTLS is refused
 */
public record ServerConfig(
        Listen listen,
        int maxConnections,
        Duration handshakeTimeout,
        Duration payloadTimeout,
        int maxInFlightPerConnection,
        long bufferBudgetBytes,
        Optional<ServerTls> tls) {

    public ServerConfig {
        if (maxConnections < 1 || maxInFlightPerConnection < 1) {
            throw new IllegalArgumentException("connection and in-flight limits must be at least 1");
        }
        if (bufferBudgetBytes < 2L * ExportFeatures.MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("buffer budget must hold at least two maximum requests ("
                    + 2L * ExportFeatures.MAX_PAYLOAD_BYTES + " bytes)");
        }
        if (!handshakeTimeout.isPositive() || !payloadTimeout.isPositive()) {
            throw new IllegalArgumentException("handshake and payload timeouts must be positive");
        }
    }

    public static ServerConfig defaults(InetSocketAddress listen) {
        return defaults(new Listen.Tcp(listen));
    }

    public static ServerConfig defaults(Listen listen) {
        return new ServerConfig(
                listen, 1024, Duration.ofSeconds(30), Duration.ofMinutes(2), 128, 512L << 20, Optional.empty());
    }

    public ServerConfig withHandshakeTimeout(Duration timeout) {
        return new ServerConfig(
                listen, maxConnections, timeout, payloadTimeout, maxInFlightPerConnection, bufferBudgetBytes, tls);
    }

    public ServerConfig withPayloadTimeout(Duration timeout) {
        return new ServerConfig(
                listen, maxConnections, handshakeTimeout, timeout, maxInFlightPerConnection, bufferBudgetBytes, tls);
    }

    public ServerConfig withMaxConnections(int connections) {
        return new ServerConfig(
                listen,
                connections,
                handshakeTimeout,
                payloadTimeout,
                maxInFlightPerConnection,
                bufferBudgetBytes,
                tls);
    }

    public ServerConfig withBufferBudget(long bytes) {
        return new ServerConfig(
                listen, maxConnections, handshakeTimeout, payloadTimeout, maxInFlightPerConnection, bytes, tls);
    }

    /** Requires TLS of every client, with these credentials. */
    public ServerConfig withTls(ServerTls credentials) {
        return new ServerConfig(
                listen,
                maxConnections,
                handshakeTimeout,
                payloadTimeout,
                maxInFlightPerConnection,
                bufferBudgetBytes,
                Optional.of(credentials));
    }
}
