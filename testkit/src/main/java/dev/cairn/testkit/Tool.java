package dev.cairn.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a real external program (qemu-io, nbdinfo, nbdcopy, fio...) with a time limit and captures
 * its output. A missing program fails the test with the Debian package that provides it: the
 * tests never silently skip what CI must check.
 */
public final class Tool {
    private Tool() {}

    /** What a finished program left behind. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        /** Fails unless the program exited 0; the message carries its output. */
        public Result ok() {
            if (exitCode != 0) {
                throw new AssertionError(describe());
            }
            return this;
        }

        public String describe() {
            return String.join(" ", command) + " exited " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n"
                    + stderr;
        }
    }

    /** Fails with a clear message when {@code program} is not installed. */
    public static void require(String program, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":", -1)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return;
            }
        }
        throw new AssertionError(
                program + " is not installed; install the Debian package '" + debianPackage + "' (.ci/run does)");
    }

    public static Result run(Duration timeout, String... command) {
        return run(timeout, List.of(command));
    }

    public static Result run(Duration timeout, List<String> command) {
        return run(timeout, Map.of(), command);
    }

    /** Runs {@code command} with {@code env} added to this process's environment. */
    public static Result run(Duration timeout, Map<String, String> env, List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command));
        pb.environment().put("LC_ALL", "C");
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.getFirst(), e);
        }
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout
                        + "\n--- stdout\n" + out.join() + "\n--- stderr\n" + err.join());
            }
            return new Result(List.copyOf(command), p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new AssertionError("interrupted while running " + command.getFirst(), e);
        }
    }

    /**
     * Output kept per stream. A program may print without end (fio has printed gigabytes when its
     * NBD server died under it): past this, bytes are counted, not kept, so the heap never fills.
     */
    private static final int MAX_OUTPUT_BYTES = 1 << 20;

    /** Reads the stream to its end on a virtual thread; the future always completes, whatever happens. */
    private static CompletableFuture<String> drain(InputStream stream) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            ByteArrayOutputStream kept = new ByteArrayOutputStream();
            long dropped = 0;
            String lost = "";
            byte[] buffer = new byte[64 * 1024];
            try (stream) {
                for (int n = stream.read(buffer); n >= 0; n = stream.read(buffer)) {
                    int keep = Math.min(n, MAX_OUTPUT_BYTES - kept.size());
                    kept.write(buffer, 0, keep);
                    dropped += n - keep;
                }
            } catch (IOException e) {
                lost = "\n<output lost: " + e + ">";
            } finally {
                String text = kept.toString(StandardCharsets.UTF_8) + lost;
                result.complete(dropped == 0 ? text : text + "\n<" + dropped + " more bytes not kept>");
            }
        });
        return result;
    }
}
