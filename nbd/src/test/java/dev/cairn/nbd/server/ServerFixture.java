package dev.cairn.nbd.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Starts an {@link NbdServer} on a free loopback port over {@link MemoryExports}, and stops it. */
abstract class ServerFixture {
    MemoryExports exports;
    NbdServer server;

    ServerConfig config() {
        return ServerConfig.defaults(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .withHandshakeTimeout(Duration.ofSeconds(10));
    }

    @BeforeEach
    void startServer() throws Exception {
        exports = new MemoryExports();
        exports.add("disk", 1 << 20);
        server = NbdServer.start(config(), exports);
    }

    @AfterEach
    void stopServer() {
        server.close();
        exports.close();
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port());
    }

    String uri(String export) {
        return "nbd://127.0.0.1:" + server.port() + "/" + export;
    }
}
