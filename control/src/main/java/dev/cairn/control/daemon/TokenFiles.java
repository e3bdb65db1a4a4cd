package dev.cairn.control.daemon;

import dev.cairn.control.api.TokenFile;
import dev.cairn.control.rest.Tokens;
import java.io.IOException;
import java.nio.file.Path;
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
        if (given.isEmpty() && TokenFile.createIfMissing(file)) {
            log.info("made a new {} token in {}", role, file);
        }
        return TokenFile.read(file, "the " + role + " token");
    }
}
