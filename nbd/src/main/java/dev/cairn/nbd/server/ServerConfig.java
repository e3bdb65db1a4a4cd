package dev.cairn.nbd.server;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * How an {@link NbdServer} listens and what it allows each client.
 *
 * @param listen address and port (port 0 picks a free one)
 * @param maxConnections connections beyond this are closed at once
 * @param handshakeTimeout a client that has not finished negotiating by then is disconnected
 * @param payloadTimeout a client that sends a request header and then not all of its payload
 *     within this time is disconnected (its payload buffer would otherwise be held forever)
 * @param maxInFlightPerConnection requests one connection may have outstanding before the server
 *     stops reading from it
 * @param bufferBudgetBytes payload memory (read and write buffers) shared by all connections; when
 *     it is spent the server stops reading requests until replies free some
 */
public record ServerConfig(
        InetSocketAddress listen,
        int maxConnections,
        Duration handshakeTimeout,
        Duration payloadTimeout,
        int maxInFlightPerConnection,
        long bufferBudgetBytes) {

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
        return new ServerConfig(listen, 1024, Duration.ofSeconds(30), Duration.ofMinutes(2), 128, 512L << 20);
    }

    public ServerConfig withHandshakeTimeout(Duration timeout) {
        return new ServerConfig(
                listen, maxConnections, timeout, payloadTimeout, maxInFlightPerConnection, bufferBudgetBytes);
    }

    public ServerConfig withPayloadTimeout(Duration timeout) {
        return new ServerConfig(
                listen, maxConnections, handshakeTimeout, timeout, maxInFlightPerConnection, bufferBudgetBytes);
    }

    public ServerConfig withBufferBudget(long bytes) {
        return new ServerConfig(
                listen, maxConnections, handshakeTimeout, payloadTimeout, maxInFlightPerConnection, bytes);
    }
}
