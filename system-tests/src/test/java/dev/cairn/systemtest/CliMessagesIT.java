package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.testkit.CairnProcess;
import dev.cairn.testkit.Tool;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code bin/cairn} says, as a user runs it, when it has nothing to talk to or a port it
 * needs is taken: one line saying where it looked or which option to change, and exit code 1.
 */
class CliMessagesIT {
    @TempDir
    Path dir;

    /** An environment naming no controller, no token and an empty local cluster directory. */
    private Map<String, String> nothing() {
        return Map.of(
                "CAIRN_CONTROLLER",
                "",
                "CAIRN_TOKEN_FILE",
                "",
                "CAIRN_TOKEN",
                "",
                "CAIRN_CLUSTER_DIR",
                dir.resolve("no-cluster").toString());
    }

    @Test
    void withoutAControllerTheCliSaysWhereItLookedAndWhatToDo() {
        Tool.Result r = CairnProcess.run(nothing(), "volume", "list");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr())
                .isEqualTo("cairn volume list: no controller to talk to: none given with --controller,"
                        + " $CAIRN_CONTROLLER is not set, and there is no local cluster in " + dir.resolve("no-cluster")
                        + ". Start one with `cairn cluster up`; for a cluster made with `cairn cluster up --dir DIR`, run"
                        + " `source DIR/env`; for another, give --controller URL and --token-file FILE (or set"
                        + " CAIRN_CONTROLLER and CAIRN_TOKEN_FILE)\n");

        Tool.Result noToken = CairnProcess.run(nothing(), "node", "list", "--controller", "http://127.0.0.1:1");
        assertThat(noToken.exitCode()).isEqualTo(1);
        assertThat(noToken.stderr())
                .isEqualTo("cairn node list: no token for the controller: none given with --token-file, and neither"
                        + " $CAIRN_TOKEN_FILE nor $CAIRN_TOKEN is set. Give --token-file FILE or set"
                        + " CAIRN_TOKEN_FILE=FILE (the controller writes its tokens to DATA/tokens/ on first start:"
                        + " admin.token, read.token)\n");
    }

    @Test
    void aSecondControllerOnATakenRaftPortFailsAtOnceInOneLine() throws IOException {
        try (ServerSocket held = new ServerSocket()) {
            held.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Tool.Result r = CairnProcess.run(
                    Map.of(),
                    "controller",
                    "--data",
                    dir.resolve("ctl").toString(),
                    "--listen",
                    "127.0.0.1:0",
                    "--raft",
                    "127.0.0.1:" + held.getLocalPort());
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stderr())
                    .isEqualTo("cairn controller: port " + held.getLocalPort() + " on 127.0.0.1 is in use (--raft):"
                            + " stop what listens there, or choose another with --raft HOST:PORT (port 0 picks a free"
                            + " one)\n");
        }
    }
}
