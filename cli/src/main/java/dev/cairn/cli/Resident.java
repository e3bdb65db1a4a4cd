package dev.cairn.cli;

import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CLI's resident JVM: runs CLI commands for {@code bin/cairn} so that a call does not pay for
 * a JVM's start (about 0.3 s against a few ms for the command itself).
 *
 * <p>{@code bin/cairn} starts it after a CLI call that found none, in a directory only its user
 * may enter (mode 0700, checked here), and talks to it through named pipes there:
 *
 * <ul>
 *   <li>A call makes a directory {@code call.*} holding {@code req} (NUL-separated: the format
 *       version, the caller's pid, working directory, whether its standard output is a terminal,
 *       the number of environment variables, each {@code NAME=VALUE}, then the arguments) and two
 *       pipes, {@code out} and {@code err}, which it holds open; then it writes the directory's
 *       path as a line to the pipe {@code requests}.
 *   <li>This JVM claims the call by renaming {@code req} to {@code taken}. A caller that got no
 *       answer within 2 s renames it to {@code abandoned} instead and runs the command in a JVM of
 *       its own: the rename that comes first wins, so a command never runs twice.
 *   <li>It opens both pipes, then writes {@value #ACK} as the first line of {@code out}, runs the command with the
 *       caller's environment and directory ({@link Caller}), writes its exit code to {@code rc},
 *       and closes the pipes: the caller copies them to its own standard output and error until
 *       they end, then exits with that code.
 *   <li>A line {@code !PATH} cancels the call in {@code PATH} (the caller got Ctrl-C): its thread is
 *       interrupted, as is the thread of a call whose caller's process is gone.
 * </ul>
 *
 * <p>It exits after {@code IDLE} seconds without a call (none running), when the Cairn jar it was
 * started from changes (a build: the next call starts a new one), or when {@code requests} is no
 * longer its pipe (a newer one took its place). Its log is {@code resident.log} beside them.
 */
public final class Resident {
    static final String ACK = "cairn-resident";
    private static final int FORMAT = 1;
    private static final Duration CHECK_EVERY = Duration.ofSeconds(1);

    private final Path dir;
    private final Path requests;
    private final Duration idle;
    private final Path jar;
    private final FileTime jarTime;
    private final Object fifoKey;
    private final Map<Path, Running> running = new ConcurrentHashMap<>();
    private volatile Instant lastUsed = Instant.now();
    /** Set, under this object's lock, once this JVM is exiting: no call is taken after it. */
    private boolean closing;

    private record Running(Thread thread, long callerPid) {}

    private Resident(Path dir, Duration idle, Path jar) throws IOException {
        this.dir = dir;
        this.requests = dir.resolve("requests");
        this.idle = idle;
        this.jar = jar;
        this.jarTime = Files.getLastModifiedTime(jar);
        this.fifoKey = Files.readAttributes(requests, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }

    /** {@code Resident DIR IDLE_SECONDS JAR}. */
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: Resident DIR IDLE_SECONDS JAR");
            System.exit(2);
        }
        Path dir = Path.of(args[0]).toAbsolutePath().normalize();
        String refused = refusal(dir);
        if (refused != null) {
            System.err.println("cairn resident: " + refused);
            System.exit(2);
        }
        new Resident(dir, Duration.ofSeconds(Long.parseLong(args[1])), Path.of(args[2])).serve();
    }

    /** Why {@code dir} may not hold the pipes (another user could send commands), or null. */
    static String refusal(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return dir + " is not a directory";
        }
        String me = System.getProperty("user.name");
        String owner = Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName();
        if (!owner.equals(me)) {
            return dir + " belongs to " + owner + ", not " + me;
        }
        var mode = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        if (!mode.equals(EnumSet.of(
                PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE))) {
            return dir + " must be mode 0700 (only its owner may send commands), not " + mode;
        }
        if (!Files.readAttributes(
                        dir.resolve("requests"),
                        java.nio.file.attribute.BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS)
                .isOther()) {
            return dir.resolve("requests") + " is not a named pipe";
        }
        return null;
    }

    private void serve() throws Exception {
        Thread.ofPlatform().daemon().name("resident-requests").start(this::readRequests);
        // The pid file says "ready": bin/cairn sends calls once it is there.
        Path pid = dir.resolve("pid");
        Path tmp = dir.resolve("pid.tmp");
        Files.writeString(tmp, ProcessHandle.current().pid() + "\n");
        Files.move(tmp, pid, StandardCopyOption.ATOMIC_MOVE);
        log("ready, serving " + requests + " for " + jar);
        String why;
        // A call running when a reason comes (a build, say) is let finish first.
        while ((why = reasonToExit()) == null || !close()) {
            Thread.sleep(CHECK_EVERY);
            running.forEach((call, r) -> {
                if (r.callerPid() > 0
                        && !r.thread().isInterrupted()
                        && ProcessHandle.of(r.callerPid()).isEmpty()) {
                    log("the caller of " + call.getFileName() + " is gone; interrupting it");
                    r.thread().interrupt();
                }
            });
        }
        log("exiting: " + why);
        if (ours()) {
            Files.deleteIfExists(pid);
            Files.deleteIfExists(requests);
        }
        System.exit(0);
    }

    /** Stops taking calls if none is running; whether it did. */
    private synchronized boolean close() {
        closing = running.isEmpty();
        return closing;
    }

    private String reasonToExit() throws IOException {
        if (!ours()) {
            return requests + " or the pid file is no longer this JVM's";
        }
        if (!Files.exists(jar) || !Files.getLastModifiedTime(jar).equals(jarTime)) {
            return jar + " changed (Cairn was built again)";
        }
        if (Duration.between(lastUsed, Instant.now()).compareTo(idle) > 0) {
            return "no call for " + idle.toSeconds() + " s";
        }
        return null;
    }

    /** Whether the pipe and the pid file are still this JVM's ({@code cairn resident stop} removes both). */
    private boolean ours() {
        try {
            return fifoKey.equals(Files.readAttributes(requests, "unix:ino", LinkOption.NOFOLLOW_LINKS))
                    && Files.readString(dir.resolve("pid"))
                            .strip()
                            .equals(String.valueOf(ProcessHandle.current().pid()));
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads the request pipe, opened for reading and writing so that it never ends while callers come and go. */
    private void readRequests() {
        try (RandomAccessFile pipe = new RandomAccessFile(requests.toFile(), "rw");
                BufferedReader lines = new BufferedReader(
                        new InputStreamReader(Channels.newInputStream(pipe.getChannel()), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                request(line);
            }
        } catch (IOException | RuntimeException e) {
            log("cannot read " + requests + ": " + e);
            System.exit(1);
        }
    }

    private void request(String line) {
        boolean cancel = line.startsWith("!");
        Path call = Path.of(cancel ? line.substring(1) : line).normalize();
        if (!dir.equals(call.getParent()) || !call.getFileName().toString().startsWith("call.")) {
            log("ignored a request naming " + line + ", not a call directory in " + dir);
            return;
        }
        if (cancel) {
            Running r = running.get(call);
            if (r != null) {
                log("cancelling " + call.getFileName() + " (its caller was interrupted)");
                r.thread().interrupt();
            }
            return;
        }
        synchronized (this) {
            if (!closing) {
                take(call);
            }
        }
    }

    /** Claims a call and starts it (under this object's lock). */
    private void take(Path call) {
        List<String> fields;
        try {
            Files.move(call.resolve("req"), call.resolve("taken"), StandardCopyOption.ATOMIC_MOVE);
            fields = fields(Files.readAllBytes(call.resolve("taken")));
        } catch (NoSuchFileException e) {
            return; // abandoned by its caller, who runs it itself
        } catch (IOException e) {
            log("cannot take " + call + ": " + e);
            return;
        }
        lastUsed = Instant.now();
        // A malformed request is answered too (execute says what is wrong): its caller waits.
        long callerPid = -1;
        try {
            callerPid = Long.parseLong(fields.get(1));
        } catch (RuntimeException e) {
            log(call.getFileName() + " names no caller");
        }
        Thread thread =
                Thread.ofPlatform().daemon().name("call-" + call.getFileName()).unstarted(() -> run(call, fields));
        running.put(call, new Running(thread, callerPid));
        thread.start();
    }

    /** A request's NUL-separated fields. */
    static List<String> fields(byte[] bytes) {
        List<String> fields = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                fields.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return fields;
    }

    private void run(Path call, List<String> fields) {
        // Once the caller has its own read ends, it closes its other ends, and the pipes end with
        // this JVM's write ends; a caller gone makes a write fail rather than wait.
        long start = System.nanoTime();
        try (CallPipes pipes = CallPipes.open(call)) {
            PrintWriter o = new PrintWriter(pipes.out(), true, StandardCharsets.UTF_8);
            PrintWriter e = new PrintWriter(pipes.err(), true, StandardCharsets.UTF_8);
            int code;
            try {
                code = execute(fields, o, e);
            } catch (RuntimeException | LinkageError | StackOverflowError ex) {
                e.println("cairn: " + Main.message(ex));
                code = 1;
            }
            o.flush();
            e.flush();
            Path rc = call.resolve("rc.tmp");
            Files.writeString(rc, code + "\n");
            Files.move(rc, call.resolve("rc"), StandardCopyOption.ATOMIC_MOVE);
            log(call.getFileName() + " ran, exit code " + code + " in " + (System.nanoTime() - start) / 1_000_000
                    + " ms");
        } catch (NoSuchFileException ex) {
            log(call.getFileName() + " ended after its caller left");
        } catch (IOException ex) {
            log(call.getFileName() + " failed: " + ex);
        } finally {
            running.remove(call);
            lastUsed = Instant.now();
        }
    }

    /**
     * A call's two pipes opened for writing. {@value #ACK} is written to {@code out} only once both
     * are open: the caller, on reading it, swaps its own read-write ends for read-only ones, and a
     * pipe this JVM had not opened yet would then have no writer and end at once (its output lost).
     */
    record CallPipes(OutputStream out, OutputStream err) implements AutoCloseable {
        static CallPipes open(Path call) throws IOException {
            OutputStream err = opened(call.resolve("err"));
            OutputStream out;
            try {
                out = opened(call.resolve("out"));
            } catch (IOException | RuntimeException e) {
                err.close();
                throw e;
            }
            CallPipes pipes = new CallPipes(out, err);
            try {
                out.write((ACK + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (IOException | RuntimeException e) {
                pipes.close();
                throw e;
            }
            return pipes;
        }

        @Override
        public void close() throws IOException {
            try (err) {
                out.close();
            }
        }
    }

    /**
     * A call's pipe opened for writing: for reading and writing first, then write-only while that
     * end still reads, so that neither open waits for a reader, even of a caller gone.
     */
    @SuppressWarnings("try") // the read-write end is only held, never used
    private static OutputStream opened(Path pipe) throws IOException {
        try (RandomAccessFile both = new RandomAccessFile(pipe.toFile(), "rw")) {
            return new FileOutputStream(pipe.toFile());
        }
    }

    private static int execute(List<String> fields, PrintWriter out, PrintWriter err) {
        if (fields.size() < 5 || !fields.get(0).equals(String.valueOf(FORMAT))) {
            err.println("cairn: the resident JVM does not understand this call (bin/cairn and the jar differ?)");
            return 2;
        }
        int vars = Integer.parseInt(fields.get(4));
        Map<String, String> env = new HashMap<>();
        for (String v : fields.subList(5, 5 + vars)) {
            int eq = v.indexOf('=');
            if (eq > 0) {
                env.put(v.substring(0, eq), v.substring(eq + 1));
            }
        }
        Caller caller = new Caller(env, Path.of(fields.get(2)), fields.get(3).equals("1"));
        String[] args = fields.subList(5 + vars, fields.size()).toArray(String[]::new);
        return Main.run(caller, out, err, args);
    }

    private static void log(String line) {
        System.err.println(Instant.now() + " " + line);
    }
}
