package dev.cairn.nbd.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketFileTest {
    @TempDir
    Path tmp;

    private final List<UnixSocketFile> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(UnixSocketFile::close);
    }

    private UnixSocketFile bind(Path path, Optional<String> group) throws IOException {
        UnixSocketFile f = UnixSocketFile.bind(new Listen.Unix(path, group), 16);
        opened.add(f);
        return f;
    }

    @Test
    void socketIsOwnerOnlyAndTheDirectoryItMadeIsPrivate() throws Exception {
        Path socket = tmp.resolve("run/nbd.sock");
        bind(socket, Optional.empty());

        assertThat(mode(socket) & 0170000).as("a socket").isEqualTo(0140000);
        assertThat(permissions(socket)).isEqualTo("rw-------");
        assertThat(permissions(socket.getParent()))
                .as("not even visible to others")
                .isEqualTo("rwx------");
        try (Stream<Path> left = Files.list(socket.getParent())) {
            assertThat(left).as("the staging directory is gone").containsExactly(socket);
        }
        assertThat(answers(socket)).isTrue();
    }

    @Test
    void aGroupGetsTheSocketAndTheDirectoryItMade() throws Exception {
        String group = someGroup();
        Path socket = tmp.resolve("run/nbd.sock");
        bind(socket, Optional.of(group));

        assertThat(permissions(socket)).isEqualTo("rw-rw----");
        assertThat(attributes(socket).group().getName()).isEqualTo(group);
        assertThat(permissions(socket.getParent())).isEqualTo("rwxr-x---");
        assertThat(attributes(socket.getParent()).group().getName()).isEqualTo(group);
    }

    @Test
    void anExistingDirectoryIsLeftAsItIs() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("mine"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        bind(dir.resolve("nbd.sock"), Optional.empty());

        assertThat(permissions(dir)).isEqualTo("rwxr-xr-x");
        assertThat(permissions(dir.resolve("nbd.sock"))).isEqualTo("rw-------");
    }

    @Test
    void aGroupThatDoesNotExistIsRefusedBeforeAnythingIsMade() {
        Path socket = tmp.resolve("run/nbd.sock");
        assertThatThrownBy(() -> bind(socket, Optional.of("no-such-cairn-group")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("there is no group named 'no-such-cairn-group' on this host");
        assertThat(socket.getParent()).doesNotExist();
    }

    @Test
    void aStaleSocketIsReplaced() throws Exception {
        Path socket = tmp.resolve("nbd.sock");
        try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            crashed.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();
        assertThat(answers(socket)).as("nothing listens on the stale socket").isFalse();

        bind(socket, Optional.empty());

        assertThat(answers(socket)).isTrue();
        assertThat(permissions(socket)).isEqualTo("rw-------");
    }

    @Test
    void aLiveSocketIsRefusedAndKeepsServing() throws Exception {
        Path socket = tmp.resolve("nbd.sock");
        UnixSocketFile first = bind(socket, Optional.empty());
        Object inode = attributes(socket).fileKey();

        assertThatThrownBy(() -> bind(socket, Optional.empty()))
                .isInstanceOf(IOException.class)
                .hasMessage("another process is listening on " + socket + "; stop it, or serve on another path");

        assertThat(attributes(socket).fileKey()).isEqualTo(inode);
        try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                SocketChannel accepted = first.channel().accept()) {
            assertThat(accepted).isNotNull();
            assertThat(client.isConnected()).isTrue();
        }
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left).as("no staging directory left behind").containsExactly(socket);
        }
    }

    @Test
    void somethingElseAtThePathIsLeftAlone() throws Exception {
        Path socket = Files.writeString(tmp.resolve("nbd.sock"), "not a socket");

        assertThatThrownBy(() -> bind(socket, Optional.empty()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(socket + " exists and is not a socket; it was left alone");
        assertThat(socket).hasContent("not a socket");
    }

    @Test
    void closeRemovesTheSocket() throws Exception {
        Path socket = tmp.resolve("nbd.sock");
        UnixSocketFile f = bind(socket, Optional.empty());
        opened.remove(f);

        f.close();

        assertThat(socket).doesNotExist();
        assertThat(f.channel().isOpen()).isFalse();
    }

    @Test
    void closeLeavesTheSocketOfAServerThatTookThePathSince() throws Exception {
        Path socket = tmp.resolve("nbd.sock");
        UnixSocketFile old = bind(socket, Optional.empty());
        opened.remove(old);
        Files.delete(socket); // say an operator removed it, and a new server started
        bind(socket, Optional.empty());

        old.close();

        assertThat(answers(socket)).isTrue();
    }

    @Test
    void aDirectoryEveryoneMayWriteInIsRefused() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThatThrownBy(() -> bind(dir.resolve("nbd.sock"), Optional.empty()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("will not make a Unix socket in " + dir + ": everyone may write in it");
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void aDirectoryOfAnotherUserIsRefused() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "only root can give a directory to another user");
        Path dir = Files.createDirectory(tmp.resolve("theirs"));
        UserPrincipal nobody =
                FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(dir, nobody);

        assertThatThrownBy(() -> bind(dir.resolve("nbd.sock"), Optional.empty()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("will not make a Unix socket in " + dir + ": it belongs to nobody");
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).as("the staging directory is gone").isEmpty();
        }
    }

    @Test
    void aPathTooLongForASocketIsRefusedClearly() {
        Path socket = tmp.resolve("d".repeat(120)).resolve("nbd.sock");

        assertThatThrownBy(() -> bind(socket, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a socket's path is at most 107 bytes")
                .hasMessageContaining("choose a shorter path");
    }

    private static boolean answers(Path socket) {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return c.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    }

    private static PosixFileAttributes attributes(Path p) throws IOException {
        return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }

    private static String permissions(Path p) throws IOException {
        return PosixFilePermissions.toString(attributes(p).permissions());
    }

    /**
     * A group this user may give files to and that is not its own when it can be (root may give
     * files to any group), so that the change shows.
     */
    private String someGroup() throws IOException {
        String own = attributes(Files.createFile(tmp.resolve("probe"))).group().getName();
        if ("root".equals(System.getProperty("user.name"))) {
            for (String g : List.of("daemon", "nogroup", "users")) {
                try {
                    FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(g);
                    return g;
                } catch (UserPrincipalNotFoundException e) {
                    // try the next
                }
            }
        }
        return own;
    }
}
