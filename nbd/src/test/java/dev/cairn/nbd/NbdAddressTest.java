package dev.cairn.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NbdAddressTest {
    private static final String VOLUME = "4859cbfe-532d-4c24-9b11-609c3df2fdc5";

    @Test
    void aUnixSocketIsItsPathAndItsUriNamesTheSocket() {
        UnixDomainSocketAddress socket = UnixDomainSocketAddress.of(Path.of("/run/cairn/agent/nbd.sock"));

        assertThat(NbdAddress.text(socket)).isEqualTo("/run/cairn/agent/nbd.sock");
        assertThat(NbdAddress.isUnixSocket("/run/cairn/agent/nbd.sock")).isTrue();
        assertThat(NbdAddress.parse("/run/cairn/agent/nbd.sock")).isEqualTo(socket);
        assertThat(NbdAddress.uri(socket, VOLUME))
                .isEqualTo("nbd+unix:///" + VOLUME + "?socket=/run/cairn/agent/nbd.sock");
    }

    @Test
    void tcpIsHostAndPort() {
        InetSocketAddress tcp = InetSocketAddress.createUnresolved("10.0.0.5", 10809);

        assertThat(NbdAddress.text(tcp)).isEqualTo("10.0.0.5:10809");
        assertThat(NbdAddress.isUnixSocket("10.0.0.5:10809")).isFalse();
        assertThat(NbdAddress.parse("10.0.0.5:10809")).isEqualTo(tcp);
        assertThat(NbdAddress.uri("10.0.0.5:10809", VOLUME)).isEqualTo("nbd://10.0.0.5:10809/" + VOLUME);
        assertThat(NbdAddress.text(InetSocketAddress.createUnresolved("::1", 10809)))
                .isEqualTo("[::1]:10809");
        assertThat(NbdAddress.parse("[::1]:10809")).isEqualTo(InetSocketAddress.createUnresolved("::1", 10809));
    }

    @Test
    void anAgentsTcpExportIsAlwaysTlsAndItsSocketNever() {
        assertThat(NbdAddress.agentUri("10.0.0.5:10810", VOLUME)).isEqualTo("nbds://10.0.0.5:10810/" + VOLUME);
        assertThat(NbdAddress.agentUri("/run/cairn/agent/nbd.sock", VOLUME))
                .isEqualTo("nbd+unix:///" + VOLUME + "?socket=/run/cairn/agent/nbd.sock");
    }

    @Test
    void uriEscapesWhatWouldEndThePathOrTheQuery() {
        assertThat(NbdAddress.uri("/tmp/my disk?&/s.sock", "a b"))
                .isEqualTo("nbd+unix:///a%20b?socket=/tmp/my%20disk%3F%26/s.sock");
    }

    @Test
    void anythingElseIsRefusedWithWhatWasExpected() {
        for (String bad : new String[] {"nowhere", "host:", ":10809", "host:port", "host:70000", "relative/nbd.sock"}) {
            assertThatThrownBy(() -> NbdAddress.parse(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
    }
}
