package dev.cairn.local;

import dev.cairn.control.api.ReadyFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts {@code bin/cairn ARGS} as a process, exactly as a user runs it (never building: the caller
 * runs from a built tree), with everything it prints appended to a log file; waits for a daemon's
 * ready file; stops a process by its handle.
 */
public final class Launcher {
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private Launcher() {}

    /**
     * Starts {@code bin/cairn args}. A {@code detached} process gets its own session (setsid), so it
     * outlives the command that started it and a Ctrl-C in that command's terminal.
     */
    public static Process start(List<String> args, Path log, Map<String, String> env, boolean detached) {
        List<String> command = new ArrayList<>();
        if (detached && Files.isExecutable(SETSID)) {
            command.add(SETSID.toString());
        }
        command.add(CairnHome.launcher().toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().put("CAIRN_NO_BUILD", "1");
        pb.environment().putAll(env);
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start bin/cairn " + String.join(" ", args), e);
        }
    }

    /**
     * Waits until {@code process} has written its ready file and returns what it says. Fails
     * at once, with the end of its log, if the process exits first, and after {@code timeout}.
     */
    public static ReadyFile awaitReady(Process process, Path ready, Path log, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(ready)) {
            if (!process.isAlive()) {
                throw new IOException("bin/cairn exited with status " + process.exitValue() + " before it was ready;"
                        + " the end of " + log + ":\n" + tail(log, 30));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("bin/cairn (pid " + process.pid() + ") not ready after " + timeout.toSeconds()
                        + " s; the end of " + log + ":\n" + tail(log, 30));
            }
            try {
                process.waitFor(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + ready, e);
            }
        }
        return ReadyFile.read(ready);
    }

    /**
     * SIGTERM, then waits up to {@code grace} for the process to exit, then SIGKILL. True if it
     * exited on SIGTERM.
     */
    public static boolean stop(ProcessHandle process, Duration grace) {
        if (!process.isAlive()) {
            return true;
        }
        process.destroy();
        try {
            process.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            process.destroyForcibly();
            awaitExit(process);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for pid " + process.pid(), e);
        }
    }

    /** SIGKILL, and waits for the process to be gone. */
    public static void kill(ProcessHandle process) {
        process.destroyForcibly();
        awaitExit(process);
    }

    private static void awaitExit(ProcessHandle process) {
        try {
            process.onExit().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("pid " + process.pid() + " did not exit after SIGKILL", e);
        }
    }

    /** The last {@code lines} lines of a log file (or why it cannot be read). */
    public static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "<" + log + " unreadable: " + e.getMessage() + ">";
        }
    }
}
