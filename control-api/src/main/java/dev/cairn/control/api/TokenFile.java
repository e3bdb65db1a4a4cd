package dev.cairn.control.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A bearer token kept in a file, as the controller's tokens and a storage node's admin token are:
 * at least {@value #MIN_LENGTH} printable characters without spaces, read from a file the operator
 * gave, or made (random, readable by its owner only) the first time a daemon starts without one.
 */
public final class TokenFile {
    public static final int MIN_LENGTH = 16;

    private TokenFile() {}

    /** The token in {@code file}; {@code what} names it in errors ("the admin token"). */
    public static String read(Path file, String what) throws IOException {
        String token;
        try {
            token = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IOException("cannot read " + what + " file " + file + ": " + e.getMessage(), e);
        }
        if (token.length() < MIN_LENGTH || token.chars().anyMatch(c -> c <= ' ' || c > '~')) {
            throw new IOException(
                    what + " in " + file + " must be at least " + MIN_LENGTH + " printable characters without spaces");
        }
        return token;
    }

    /**
     * Makes {@code file} with a new random token unless it exists; true if it was made. The file is
     * written whole or not at all, readable by its owner only from the moment it exists.
     */
    public static boolean createIfMissing(Path file) throws IOException {
        if (Files.exists(file)) {
            return false;
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(
                tmp, HexFormat.of().formatHex(random) + "\n", StandardCharsets.UTF_8, StandardOpenOption.WRITE);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }
}
