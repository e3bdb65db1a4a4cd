package dev.cairn.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.agent.replica.VolumeSettings;
import dev.cairn.legs.io.MemoryLegs;
import dev.cairn.nbd.client.HandshakeException;
import dev.cairn.nbd.client.NbdClient;
import dev.cairn.nbd.server.Listen;
import dev.cairn.nbd.tls.ClientTls;
import dev.cairn.nbd.tls.NbdTls;
import dev.cairn.nbd.tls.ServerTls;
import dev.cairn.testkit.TlsMaterial;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the agent serves its volumes: a socket only its user can reach, or TCP with TLS, never plain TCP. */
class AgentListenTest {
    @TempDir
    Path dir;

    private static AgentConfig config(Listen nbd) {
        return config(nbd, NbdTls.NONE);
    }

    private static AgentConfig config(Listen nbd, NbdTls tls) {
        return new AgentConfig(
                "listen-host",
                nbd,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                List.of(URI.create("http://127.0.0.1:9")), // no controller: nothing is attached
                Optional.empty(),
                Optional.empty(),
                Duration.ofHours(1),
                Duration.ofSeconds(1),
                new VolumeSettings(
                        Duration.ofSeconds(5), Duration.ofMillis(20), Duration.ofDays(1), 4, InstantSource.system()),
                Optional.empty(),
                tls);
    }

    @Test
    void volumesAreServedOnAnOwnerOnlySocketThatGoesWithTheAgent() throws Exception {
        Path socket = dir.resolve("run/nbd.sock");
        Agent agent = Agent.start(config(new Listen.Unix(socket, Optional.empty())), new MemoryLegs());
        try {
            assertThat(agent.nbdAddress()).isEqualTo(UnixDomainSocketAddress.of(socket));
            assertThat(agent.nbdAddressText()).isEqualTo(socket.toString());
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
                    .isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())))
                    .as("the directory the agent made is not even visible to others")
                    .isEqualTo("rwx------");
            assertThat(NbdClient.list(agent.nbdAddress()))
                    .as("served, nothing attached")
                    .isEmpty();
        } finally {
            agent.close();
        }
        assertThat(socket).doesNotExist();
    }

    @Test
    void aSecondAgentOnTheSameSocketIsRefusedAndTheFirstKeepsServing() throws Exception {
        Path socket = dir.resolve("nbd.sock");
        try (Agent first = Agent.start(config(new Listen.Unix(socket, Optional.empty())), new MemoryLegs())) {
            assertThatThrownBy(() -> Agent.start(config(new Listen.Unix(socket, Optional.empty())), new MemoryLegs()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("another process is listening on " + socket);
            assertThat(NbdClient.list(first.nbdAddress())).isEmpty();
        }
    }

    @Test
    void tcpIsServedOnlyWithTlsAndTlsOnlyOnTcp() throws Exception {
        Listen tcp = new Listen.Tcp(InetSocketAddress.createUnresolved("127.0.0.1", 10810));
        assertThatThrownBy(() -> config(tcp))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("serves NBD over TCP (--nbd-listen 127.0.0.1:10810) only with TLS")
                .hasMessageContaining("leave out --nbd-listen to serve on the Unix socket");

        Path keys = dir.resolve("keys.psk");
        TlsMaterial.writePskFile(keys, List.of("client"));
        NbdTls psk = new NbdTls(Optional.of(ServerTls.psk(keys)), Optional.empty());
        assertThatThrownBy(() -> config(new Listen.Unix(dir.resolve("nbd.sock"), Optional.empty()), psk))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("are for its TCP export");

        Listen anyPort = new Listen.Tcp(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        try (Agent agent = Agent.start(config(anyPort, psk), new MemoryLegs())) {
            assertThat(agent.uri("v")).startsWith("nbds://");
            assertThatThrownBy(() -> NbdClient.connect(agent.nbdAddress(), "v"))
                    .isInstanceOf(HandshakeException.class)
                    .hasMessageContaining("the server requires TLS");
            NbdClient.Options overTls =
                    NbdClient.Options.DEFAULT.withTls(Optional.of(ClientTls.psk(keys, Optional.empty())));
            assertThatThrownBy(() -> NbdClient.connect(agent.nbdAddress(), "v", overTls))
                    .as("through TLS, to an export that is not attached")
                    .isInstanceOf(HandshakeException.class)
                    .satisfies(e -> assertThat(((HandshakeException) e).replyType())
                            .isEqualTo(dev.cairn.nbd.NbdProtocol.REP_ERR_UNKNOWN));
        }
    }
}
