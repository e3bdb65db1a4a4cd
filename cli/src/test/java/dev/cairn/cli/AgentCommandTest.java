package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn agent}: where it serves the volumes, and what it refuses before it starts. */
class AgentCommandTest {
    @TempDir
    Path dir;

    private Path token;
    private String err;

    @BeforeEach
    void token() throws IOException {
        token = Files.writeString(dir.resolve("node.token"), "0123456789abcdef0123\n");
    }

    /** Runs {@code cairn agent} with a controller that is never reached; its exit code. */
    private int agent(String... args) {
        List<String> all = new ArrayList<>(
                List.of("agent", "--controller", "http://127.0.0.1:1", "--controller-token-file", token.toString()));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter errors = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(errors), all.toArray(String[]::new));
        err = errors.toString();
        return code;
    }

    @Test
    void theSocketIsInRunForRootAndInTheUsersRuntimeDirectoryOtherwise() {
        assertThat(AgentCommand.defaultSocket(Map.of(), true)).isEqualTo(Path.of("/run/cairn/agent/nbd.sock"));
        assertThat(AgentCommand.defaultSocket(Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), false))
                .isEqualTo(Path.of("/run/user/1000/cairn/agent/nbd.sock"));
        assertThatThrownBy(() -> AgentCommand.defaultSocket(Map.of(), false))
                .hasMessage("no place for the NBD socket: /run/cairn is for root and XDG_RUNTIME_DIR is not set;"
                        + " give --nbd-socket PATH");
    }

    @Test
    void tcpIsRefusedWithoutTls() {
        assertThat(agent("--nbd-listen", "127.0.0.1:10810")).isEqualTo(1);
        assertThat(err)
                .startsWith("cairn agent: the agent serves NBD over TCP (--nbd-listen 127.0.0.1:10810) only with TLS:"
                        + " give --tls-cert and --tls-key, or --tls-psk-file")
                .contains("leave out --nbd-listen to serve on the Unix socket (--nbd-socket PATH, --nbd-group GROUP)");
    }

    @Test
    void theOldTcpOptionSaysWhatReplacedIt() {
        assertThat(agent("--nbd", "127.0.0.1:10810")).isEqualTo(1);
        assertThat(err)
                .startsWith("cairn agent: --nbd 127.0.0.1:10810: the agent no longer serves volumes on plain TCP")
                .contains("--nbd-socket PATH");
    }

    @Test
    void aSocketAndTcpTogetherAreRefused() {
        assertThat(agent("--nbd-listen", "127.0.0.1:10810", "--nbd-group", "disk"))
                .isEqualTo(1);
        assertThat(err).contains("give it without --nbd-socket and --nbd-group");
    }

    @Test
    void aGroupThatDoesNotExistStopsTheStartWithNothingMade() {
        Path socket = dir.resolve("run/nbd.sock");

        assertThat(agent(
                        "--nbd-socket",
                        socket.toString(),
                        "--nbd-group",
                        "no-such-cairn-group",
                        "--metrics",
                        "127.0.0.1:0"))
                .isEqualTo(1);

        assertThat(err).isEqualTo("cairn agent: there is no group named 'no-such-cairn-group' on this host\n");
        assertThat(socket.getParent()).doesNotExist();
    }
}
