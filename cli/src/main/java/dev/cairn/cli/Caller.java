package dev.cairn.cli;

import dev.cairn.local.LocalCluster;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Who runs a CLI command: the environment, working directory and terminal it is run from. In a JVM
 * started for one command, this process's; in the resident JVM ({@link Resident}), the calling
 * shell's, so that a command reads the caller's {@code CAIRN_*} variables and resolves a relative
 * file name against the caller's directory, never the resident JVM's own.
 */
record Caller(Map<String, String> env, Path cwd, boolean terminal) {
    private static final ScopedValue<Caller> CURRENT = ScopedValue.newInstance();

    Caller {
        env = Map.copyOf(env);
        cwd = cwd.toAbsolutePath().normalize();
    }

    /** This process as the caller. */
    static Caller thisProcess() {
        return new Caller(System.getenv(), Path.of(""), Progress.terminal());
    }

    /** The caller of the command running on this thread: the one {@link #call} bound, else this process. */
    static Caller current() {
        return CURRENT.isBound() ? CURRENT.get() : thisProcess();
    }

    /** Runs {@code op} with this as the current caller. */
    <T> T call(ScopedValue.CallableOp<T, RuntimeException> op) {
        return ScopedValue.where(CURRENT, this).call(op);
    }

    /** An environment variable, stripped, unless unset or blank. */
    Optional<String> variable(String name) {
        return Optional.ofNullable(env.get(name)).map(String::strip).filter(v -> !v.isEmpty());
    }

    /** A file name as the caller means it: relative ones against the caller's directory. */
    Path path(String name) {
        return cwd.resolve(name);
    }

    /** Where {@code cairn cluster up} keeps its cluster by default, for this caller. */
    Path clusterDir() {
        return cwd.resolve(LocalCluster.defaultDir(env::get));
    }
}
