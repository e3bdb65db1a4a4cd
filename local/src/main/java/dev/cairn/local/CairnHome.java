package dev.cairn.local;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where Cairn is installed: the directory holding {@code bin/cairn}. */
public final class CairnHome {
    private CairnHome() {}

    /**
     * {@code -Dcairn.home} (bin/cairn sets it), else {@code $CAIRN_HOME}, else the nearest ancestor
     * of the working directory holding an executable {@code bin/cairn}.
     */
    public static Path find() {
        String configured = System.getProperty("cairn.home");
        if (configured == null || configured.isBlank()) {
            configured = System.getenv("CAIRN_HOME");
        }
        if (configured != null && !configured.isBlank()) {
            Path home = Path.of(configured).toAbsolutePath().normalize();
            if (!Files.isExecutable(home.resolve("bin/cairn"))) {
                throw new IllegalStateException("cairn home " + home + " has no executable bin/cairn");
            }
            return home;
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isExecutable(p.resolve("bin/cairn"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find bin/cairn above "
                + Path.of("").toAbsolutePath() + "; set CAIRN_HOME to the directory holding bin/cairn");
    }

    /** {@code bin/cairn} of this installation. */
    public static Path launcher() {
        return find().resolve("bin/cairn");
    }
}
