package dev.cairn.control.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.control.raft.RaftSettings;
import dev.cairn.control.rest.Role;
import dev.cairn.control.rest.Tokens;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing of the controller's peers and its token files. */
class ControllerSettingsTest {
    @TempDir
    Path dir;

    @Test
    void peersAreIdEqualsHostColonPort() {
        List<RaftSettings.Peer> peers = RaftSettings.parsePeers("c1=127.0.0.1:8401, c2=ctl-2.example:8401");
        assertThat(peers).extracting(RaftSettings.Peer::id).containsExactly("c1", "c2");
        assertThat(peers.get(1).hostPort()).isEqualTo("ctl-2.example:8401");
        assertThatThrownBy(() -> RaftSettings.parsePeers("c1=127.0.0.1"))
                .hasMessage("controller peer 'c1=127.0.0.1' is not ID=HOST:PORT (e.g. c1=10.0.0.1:8401)");
        assertThatThrownBy(() -> RaftSettings.parsePeers("c1=h:70000"))
                .hasMessageContaining("port 70000 is out of range");
        assertThatThrownBy(() -> RaftSettings.parsePeers("c 1=h:1")).hasMessageContaining("controller peer id 'c 1'");
        assertThatThrownBy(() -> settings("c3", "c1=h:1,c2=h:2"))
                .hasMessage("this controller's id 'c3' is not among the peers c1=h:1,c2=h:2");
        assertThatThrownBy(() -> settings("c1", "c1=h:1,c1=h:2")).hasMessageContaining("must be distinct");
    }

    @Test
    void aNodeIsJudgedOfflineAfterASecondToAYear() {
        RaftSettings raft = settings("c1", "c1=127.0.0.1:1");
        for (Duration wrong :
                List.of(Duration.ofMillis(999), Duration.ofDays(366), Duration.ofSeconds(Long.MAX_VALUE))) {
            assertThatThrownBy(() -> new ControllerConfig(
                            raft,
                            new InetSocketAddress(0),
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty(),
                            wrong,
                            0,
                            2,
                            0,
                            Optional.empty(),
                            Optional.empty(),
                            ControllerConfig.Dkv.DEFAULT))
                    .hasMessage("offline-after must be from 1 s to 365 days, got " + wrong);
        }
    }

    private RaftSettings settings(String id, String peers) {
        return new RaftSettings(
                id, RaftSettings.parsePeers(peers), dir, Duration.ofSeconds(1), Duration.ofSeconds(10), 1000);
    }

    @Test
    void missingTokensAreMadeOnceReadableByTheOwnerOnly() throws IOException {
        Tokens first = TokenFiles.load(dir, Optional.empty(), Optional.empty(), Optional.empty());
        Path admin = dir.resolve("tokens/admin.token");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(admin)))
                .isEqualTo("rw-------");
        String token = Files.readString(admin).strip();
        assertThat(token).hasSize(48);
        assertThat(first.roleOf("Bearer " + token)).contains(Role.ADMIN);
        Tokens again = TokenFiles.load(dir, Optional.empty(), Optional.empty(), Optional.empty());
        assertThat(again).isEqualTo(first);
    }

    @Test
    void givenTokenFilesMustExistAndHoldAStrongToken() throws IOException {
        Path shortToken = Files.writeString(dir.resolve("short"), "abc\n");
        assertThatThrownBy(() -> TokenFiles.load(dir, Optional.of(shortToken), Optional.empty(), Optional.empty()))
                .hasMessageContaining("the admin token in " + shortToken + " must be at least 16 printable characters");
        Path missing = dir.resolve("nope");
        assertThatThrownBy(() -> TokenFiles.load(dir, Optional.empty(), Optional.of(missing), Optional.empty()))
                .hasMessageStartingWith("cannot read the read token file " + missing);
        Path good = Files.writeString(dir.resolve("admin"), "0123456789abcdef0123\n");
        Tokens t = TokenFiles.load(dir, Optional.of(good), Optional.empty(), Optional.empty());
        assertThat(t.admin()).isEqualTo("0123456789abcdef0123");
    }
}
