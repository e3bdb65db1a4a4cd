package dev.cairn.testkit;

import dev.cairn.control.api.ReadyFile;
import dev.cairn.local.CairnHome;
import dev.cairn.local.Launcher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Cairn daemon or command run as a real process through {@code bin/cairn}, exactly as a user
 * runs it, with its output in a log file. Faults: {@link #stop} (SIGTERM), {@link #kill} (SIGKILL),
 * {@link #pause} and {@link #resume} (SIGSTOP, SIGCONT).
 */
public final class CairnProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final List<String> args;

    private CairnProcess(Process process, Path log, List<String> args) {
        this.process = process;
        this.log = log;
        this.args = args;
    }

    /** The repository root: {@code -Dcairn.home}, else the nearest ancestor holding bin/cairn. */
    public static Path home() {
        return CairnHome.find();
    }

    /** Starts {@code bin/cairn ARGS}, logging stdout and stderr to {@code log}. Never builds. */
    public static CairnProcess start(Path log, List<String> args, Map<String, String> env) {
        prepare();
        return new CairnProcess(Launcher.start(args, log, ownJvm(env), false), log, List.copyOf(args));
    }

    private static boolean prepared;

    /**
     * Runs {@code bin/cairn prepare} once per JVM, before the first command: after a build it
     * writes the class caches, which takes a while, so that no daemon's ready-file wait pays it.
     */
    private static synchronized void prepare() {
        if (!prepared) {
            List<String> command = List.of(CairnHome.launcher().toString(), "prepare");
            Tool.run(Duration.ofMinutes(5), Map.of("CAIRN_NO_BUILD", "1"), command)
                    .ok();
            prepared = true;
        }
    }

    /**
     * Starts a daemon that writes {@code ready} (JSON) once it serves, and waits for that file (60
     * s at most; fails at once with the daemon's log if it exits first).
     */
    public static <T extends ReadyFile> Ready<T> startDaemon(Path log, List<String> args, Path ready, Class<T> kind)
            throws IOException {
        return startDaemon(log, args, ready, Map.of(), kind);
    }

    /** As above, with {@code env} added to the daemon's environment (e.g. {@code CAIRN_CRASH_AT}). */
    public static <T extends ReadyFile> Ready<T> startDaemon(
            Path log, List<String> args, Path ready, Map<String, String> env, Class<T> kind) throws IOException {
        Files.deleteIfExists(ready);
        CairnProcess p = start(log, args, env);
        try {
            ReadyFile info = Launcher.awaitReady(p.process, ready, log, Duration.ofSeconds(60));
            if (!kind.isInstance(info)) {
                throw new IOException(ready + " is the ready file of " + info + ", not of a " + kind.getSimpleName());
            }
            return new Ready<>(p, kind.cast(info));
        } catch (RuntimeException | IOException e) {
            p.kill();
            throw e;
        }
    }

    /** A daemon that is serving, and what its ready file says. */
    public record Ready<T extends ReadyFile>(CairnProcess process, T info) {}

    /** Runs a {@code bin/cairn} command to its end (at most two minutes), as a user would. */
    public static Tool.Result run(Map<String, String> env, String... args) {
        return run(Duration.ofMinutes(2), env, args);
    }

    /** Runs a {@code bin/cairn} command to its end, at most {@code timeout}. */
    public static Tool.Result run(Duration timeout, Map<String, String> env, String... args) {
        prepare();
        List<String> command = new ArrayList<>();
        command.add(CairnHome.launcher().toString());
        command.addAll(List.of(args));
        Map<String, String> all = ownJvm(env);
        all.put("CAIRN_NO_BUILD", "1");
        return Tool.run(timeout, all, command);
    }

    /**
     * {@code env} with each CLI call in a JVM of its own (as the tests were written against, and so
     * that no resident JVM outlives a test), unless {@code env} names CAIRN_NO_RESIDENT itself.
     */
    private static Map<String, String> ownJvm(Map<String, String> env) {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.putIfAbsent("CAIRN_NO_RESIDENT", "1");
        return all;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Everything the process printed so far. */
    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<log unreadable: " + e + ">";
        }
    }

    /** Waits for the process to exit on its own; its exit code. */
    public int waitFor(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(
                        "bin/cairn " + String.join(" ", args) + " still running after " + timeout + "\n" + log());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** SIGTERM, then waits for a clean exit (SIGKILL after 30 s). */
    public int stop() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return -1;
        }
    }

    /** SIGKILL: the process dies at once, as in a crash. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public void pause() {
        signal("STOP");
    }

    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        Tool.run(Duration.ofSeconds(10), "kill", "-" + name, Long.toString(pid()))
                .ok();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            resume();
            kill();
        }
    }
}
