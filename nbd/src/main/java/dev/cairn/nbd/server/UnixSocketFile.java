package dev.cairn.nbd.server;

import java.io.Closeable;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening Unix domain socket file that only its owner, or its owner and one group, can connect
 * to (connecting needs write permission on the file).
 *
 * <p>Race-free creation, whatever the umask: the socket is bound inside a fresh directory of mode
 * 0700 beside its path, given its mode there (0600, or 0660 and the group), and only then moved to
 * its path: linked when the path is free (which fails if another server took it meanwhile), renamed
 * over a stale socket. So the file is never reachable by anyone else before it has its final
 * permissions. What may already be at the path: a socket nothing listens on (left by a server that
 * crashed) is replaced; a socket that answers is refused (another server uses it); anything else is
 * left alone and refused. Two servers started at the same instant on a path holding a stale
 * socket may both replace it; only the last one is reachable.
 *
 * <p>The socket's directory: one that does not exist is made with mode 0700 (0750 and the group's
 * with a group), so it is not even visible to others; an existing one must belong to this user or
 * root and must not be writable by everyone without the sticky bit, since whoever can write in it
 * can put another socket in this one's place.
 *
 * <p>{@link #close} removes the file if it is still this socket (same inode), so a server that took
 * the path over later keeps its socket.
 */
final class UnixSocketFile implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(UnixSocketFile.class);
    /** A socket address holds 108 bytes, the terminating NUL included. */
    static final int MAX_PATH_BYTES = 107;
    /** The staging directory's name ("." and six hex digits) and the socket's name in it ("s"). */
    private static final int STAGING_EXTRA_BYTES = "/.123456/s".length();

    private static final int TYPE_MASK = 0170000;
    private static final int TYPE_SOCKET = 0140000;
    private static final int STICKY = 01000;
    private static final int OTHERS_WRITE = 0002;
    private static final int GROUP_OR_OTHERS_SEARCH = 0011;

    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> OWNER_AND_GROUP = PosixFilePermissions.fromString("rw-rw----");
    static final Set<PosixFilePermission> PRIVATE_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> GROUP_DIRECTORY = PosixFilePermissions.fromString("rwxr-x---");

    private final Path path;
    private final ServerSocketChannel channel;
    private final Object fileKey;

    private UnixSocketFile(Path path, ServerSocketChannel channel, Object fileKey) {
        this.path = path;
        this.channel = channel;
        this.fileKey = fileKey;
    }

    /** Binds and listens at {@code listen.path()}, or says why not. */
    static UnixSocketFile bind(Listen.Unix listen, int backlog) throws IOException {
        Path path = listen.path();
        Path dir = path.getParent();
        checkLength(path, dir);
        Optional<GroupPrincipal> group = lookUp(listen.group());
        boolean made = makeDirectory(dir, group);
        if (!made) {
            checkDirectory(dir, path, group);
        }
        Path staging = makeStaging(dir);
        Path bound = staging.resolve("s");
        try {
            if (!made) {
                // who this process is, as the file system sees it: the owner of what it just made
                checkOwner(dir, Files.getOwner(staging));
            }
            ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.bind(UnixDomainSocketAddress.of(bound), backlog);
                // by path (chmod, chown): a socket cannot be opened to change it through a descriptor,
                // and nobody else can reach the staging directory to swap the file
                PosixFileAttributeView view = Files.getFileAttributeView(bound, PosixFileAttributeView.class);
                if (group.isPresent()) {
                    setGroup(view, group.get(), path);
                }
                view.setPermissions(group.isPresent() ? OWNER_AND_GROUP : OWNER_ONLY);
                Object key = fileKey(bound);
                claim(bound, path);
                return new UnixSocketFile(path, channel, key);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } finally {
            deleteQuietly(bound);
            deleteQuietly(staging);
        }
    }

    ServerSocketChannel channel() {
        return channel;
    }

    Path path() {
        return path;
    }

    private static void checkLength(Path path, Path dir) {
        int pathBytes = path.toString().getBytes(StandardCharsets.UTF_8).length;
        int dirBytes = dir.toString().getBytes(StandardCharsets.UTF_8).length;
        if (pathBytes > MAX_PATH_BYTES || dirBytes + STAGING_EXTRA_BYTES > MAX_PATH_BYTES) {
            throw new IllegalArgumentException("cannot make a Unix socket at " + path + ": a socket's path is at most "
                    + MAX_PATH_BYTES + " bytes, and its directory at most " + (MAX_PATH_BYTES - STAGING_EXTRA_BYTES)
                    + " (this one: " + pathBytes + " and " + dirBytes + "); choose a shorter path");
        }
    }

    private static Optional<GroupPrincipal> lookUp(Optional<String> group) throws IOException {
        if (group.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(
                    FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(group.get()));
        } catch (UserPrincipalNotFoundException e) {
            throw new IllegalArgumentException("there is no group named '" + group.get() + "' on this host", e);
        }
    }

    /** Makes the socket's directory if it is missing; true if this call made it. */
    private static boolean makeDirectory(Path dir, Optional<GroupPrincipal> group) throws IOException {
        if (Files.isDirectory(dir)) {
            return false;
        }
        if (dir.getParent() != null) {
            Files.createDirectories(dir.getParent());
        }
        try {
            // made with at most 0700 whatever the umask; opened to the group only once it is the group's
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIRECTORY));
        } catch (FileAlreadyExistsException e) {
            return false;
        }
        if (group.isPresent()) {
            PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
            setGroup(view, group.get(), dir);
            view.setPermissions(GROUP_DIRECTORY);
        }
        return true;
    }

    /** An existing directory: is it safe to put the socket in? */
    private static void checkDirectory(Path dir, Path path, Optional<GroupPrincipal> group) throws IOException {
        PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class);
        if (!a.isDirectory()) {
            throw new IOException("cannot make a Unix socket at " + path + ": " + dir + " is not a directory");
        }
        int mode = (Integer) Files.getAttribute(dir, "unix:mode");
        if ((mode & OTHERS_WRITE) != 0 && (mode & STICKY) == 0) {
            throw new IOException("will not make a Unix socket in " + dir + ": everyone may write in it (mode "
                    + Integer.toOctalString(mode & 07777) + ", no sticky bit), so anyone could put another socket"
                    + " in its place");
        }
        if (group.isPresent() && (mode & GROUP_OR_OTHERS_SEARCH) == 0) {
            log.warn(
                    "members of group {} cannot reach {}: its directory {} (mode {}) does not let them through",
                    group.get().getName(),
                    path,
                    dir,
                    Integer.toOctalString(mode & 07777));
        }
    }

    /** The socket's directory must be this user's or root's: its owner could swap the socket. */
    private static void checkOwner(Path dir, UserPrincipal self) throws IOException {
        UserPrincipal owner = Files.getOwner(dir);
        if (!owner.equals(self) && !owner.getName().equals("root")) {
            throw new IOException("will not make a Unix socket in " + dir + ": it belongs to " + owner.getName()
                    + ", who could put another socket in its place; use a directory of " + self.getName()
                    + " or root");
        }
    }

    private static Path makeStaging(Path dir) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path staging = dir.resolve(
                    String.format(".%06x", ThreadLocalRandom.current().nextInt(1 << 24)));
            try {
                return Files.createDirectory(staging, PosixFilePermissions.asFileAttribute(PRIVATE_DIRECTORY));
            } catch (FileAlreadyExistsException e) {
                if (attempt == 100) {
                    throw new IOException("cannot make a private directory in " + dir + " to bind a socket in", e);
                }
            }
        }
    }

    private static void setGroup(PosixFileAttributeView view, GroupPrincipal group, Path what) throws IOException {
        try {
            view.setGroup(group);
        } catch (IOException e) {
            throw new IOException(
                    "cannot give " + what + " to group " + group.getName()
                            + " (a user may only give files to the groups it is in): " + e.getMessage(),
                    e);
        }
    }

    /** Moves the bound socket to {@code path}: at once when the path is free, else over a stale socket. */
    private static void claim(Path bound, Path path) throws IOException {
        try {
            Files.createLink(path, bound);
            return;
        } catch (FileAlreadyExistsException e) {
            // something is there: a stale socket is replaced, anything else refused
        }
        requireStale(path);
        Files.move(bound, path, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void requireStale(Path path) throws IOException {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return; // gone meanwhile
        }
        if ((mode & TYPE_MASK) != TYPE_SOCKET) {
            throw new IOException(
                    path + " exists and is not a socket; it was left alone (remove it, or serve on" + " another path)");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            // not blocking: a server that is stopped with a full backlog must not hold this start
            probe.configureBlocking(false);
            probe.connect(UnixDomainSocketAddress.of(path));
        } catch (ConnectException e) {
            log.info("{}: replacing a stale socket (nothing listens on it)", path);
            return;
        } catch (IOException e) {
            throw new IOException(
                    "cannot tell whether " + path + " is in use (" + e.getMessage() + "); it was left alone", e);
        }
        throw new IOException("another process is listening on " + path + "; stop it, or serve on another path");
    }

    private static Object fileKey(Path p) throws IOException {
        return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .fileKey();
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", p, e.toString());
        }
    }

    /** Stops listening and removes the socket file, unless another server has taken its path since. */
    @Override
    public void close() {
        try {
            if (Objects.equals(fileKey(path), fileKey)) {
                Files.delete(path);
            } else {
                log.info("{} is another server's socket now; left in place", path);
            }
        } catch (NoSuchFileException e) {
            log.debug("{} was already removed", path);
        } catch (IOException e) {
            log.warn("cannot remove the socket {}: {}", path, e.toString());
        }
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("close failed: {}", e.toString());
        }
    }
}
