package dev.cairn.control.daemon;

import dev.cairn.control.rest.Tokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's bearer tokens: each from the file the operator gave, or else from {@code
 * DATA/tokens/ROLE.token}, made (random, readable by its owner only) on first start. Several
 * controller peers must be given the same files.
 */
public final class TokenFiles {
    private static final Logger log = LoggerFactory.getLogger(TokenFiles.class);
    static final int MIN_LENGTH = 16;

    private TokenFiles() {}

    public static Tokens load(Path dataDir, Optional<Path> admin, Optional<Path> read, Optional<Path> node)
            throws IOException {
        return new Tokens(
                token(dataDir, "admin", admin),
                token(dataDir, "read", read),
                Optional.of(token(dataDir, "node", node)));
    }

    private static String token(Path dataDir, String role, Optional<Path> given) throws IOException {
        Path file = given.orElse(dataDir.resolve("tokens").resolve(role + ".token"));
        if (given.isEmpty() && !Files.exists(file)) {
            create(file);
            log.info("made a new {} token in {}", role, file);
        }
        String token;
        try {
            token = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IOException("cannot read the " + role + " token file " + file + ": " + e.getMessage(), e);
        }
        if (token.length() < MIN_LENGTH || token.chars().anyMatch(c -> c <= ' ' || c > '~')) {
            throw new IOException("the " + role + " token in " + file + " must be at least " + MIN_LENGTH
                    + " printable characters without spaces");
        }
        return token;
    }

    /** Writes a new random token, whole or not at all, readable by its owner only. */
    private static void create(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(
                tmp, HexFormat.of().formatHex(random) + "\n", StandardCharsets.UTF_8, StandardOpenOption.WRITE);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }
}
