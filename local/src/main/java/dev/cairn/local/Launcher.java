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
import java.util.concurrent.TimeUnit;

/**
 * Starts {@code bin/cairn ARGS} as a process, exactly as a user runs it (never building: the caller
 * runs from a built tree), with everything it prints appended to a log file; waits for a daemon's
 * ready file; stops a process by its handle.
 */
public final class Launcher {
    private static final long EXIT_POLL_MILLIS = 10;

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
            if (exited(process, grace)) {
                return true;
            }
            process.destroyForcibly();
            if (!exited(process, Duration.ofSeconds(30))) {
                throw new IllegalStateException("pid " + process.pid() + " did not exit after SIGKILL");
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return false;
        }
    }

    /** SIGKILL, and waits for the process to be gone. */
    public static void kill(ProcessHandle process) {
        process.destroyForcibly();
        try {
            if (!exited(process, Duration.ofSeconds(30))) {
                throw new IllegalStateException("pid " + process.pid() + " did not exit after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Whether {@code process} exits within {@code limit}. Looked at every {@value #EXIT_POLL_MILLIS}
     * ms: the daemons a cluster runs are not this JVM's children, and {@link ProcessHandle#onExit}
     * polls those from 300 ms up, and counts a zombie as alive, which made every stop of {@code
     * cluster down} wait up to two seconds after its process was gone.
     */
    private static boolean exited(ProcessHandle process, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!gone(process)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(EXIT_POLL_MILLIS);
        }
        return true;
    }

    /** Whether {@code process} has exited: it is gone, or a zombie waiting to be reaped. */
    public static boolean gone(ProcessHandle process) {
        return !process.isAlive() || zombie(process);
    }

    /**
     * Whether {@code process} has exited and only waits to be reaped. Its parent is init, since
     * the CLI that started it is gone; an init that reaps lazily (the one of many containers and
     * VMs) leaves it a zombie for a second or two, which {@link ProcessHandle#isAlive} counts as
     * alive.
     */
    private static boolean zombie(ProcessHandle process) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            int name = stat.lastIndexOf(')'); // the state follows the command name, which may hold anything
            return name > 0 && name + 2 < stat.length() && stat.charAt(name + 2) == 'Z';
        } catch (IOException e) {
            return false; // no /proc, or gone already: isAlive says which
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
