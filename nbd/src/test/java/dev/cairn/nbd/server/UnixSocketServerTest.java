package dev.cairn.nbd.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.nbd.NbdAddress;
import dev.cairn.nbd.client.NbdClient;
import dev.cairn.testkit.Patterns;
import dev.cairn.testkit.Tool;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An NBD server on a Unix domain socket, reached by the Java client and by real clients. */
class UnixSocketServerTest {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    Path socket;
    MemoryExports exports;
    NbdServer server;

    @BeforeEach
    void start() throws Exception {
        socket = tmp.resolve("run/nbd.sock");
        exports = new MemoryExports();
        exports.add("disk", 1 << 20);
        server = NbdServer.start(ServerConfig.defaults(new Listen.Unix(socket, Optional.empty())), exports);
    }

    @AfterEach
    void stop() {
        server.close();
        exports.close();
    }

    @Test
    void servesOnTheSocketFileAndHasNoPort() throws Exception {
        assertThat(server.address()).isEqualTo(UnixDomainSocketAddress.of(socket));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
                .isEqualTo("rw-------");
        assertThatThrownBy(server::port).isInstanceOf(IllegalStateException.class);

        try (NbdClient c = NbdClient.connect(server.address(), "disk")) {
            ByteBuffer data = Patterns.random(64 * 1024, 7);
            c.write(4096, data.duplicate(), true).join();
            assertThat(c.read(4096, 64 * 1024).join()).isEqualTo(data);
        }
        assertThat(NbdClient.list(server.address())).containsExactly("disk");
    }

    @Test
    void realClientsReachItByItsNbdUnixUri() {
        Tool.require("nbdinfo", "libnbd-bin");
        Tool.require("qemu-io", "qemu-utils");
        String uri = NbdAddress.uri(server.address(), "disk");
        assertThat(uri).isEqualTo("nbd+unix:///disk?socket=" + socket);

        assertThat(Tool.run(TIMEOUT, "nbdinfo", "--size", uri).ok().stdout().strip())
                .isEqualTo(Integer.toString(1 << 20));
        String out = Tool.run(
                        TIMEOUT, "qemu-io", "-f", "raw", uri, "-c", "write -P 0x5a 0 64k", "-c", "read -P 0x5a 0 64k")
                .ok()
                .stdout();
        assertThat(out).contains("read 65536/65536 bytes at offset 0").doesNotContain("Pattern verification failed");
    }

    @Test
    void theSocketFileGoesWithTheServer() {
        server.close();

        assertThat(socket).doesNotExist();
        assertThat(socket.getParent()).isDirectory();
    }
}
