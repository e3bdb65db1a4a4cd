package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.local.CairnHome;
import dev.cairn.testkit.CairnProcess;
import dev.cairn.testkit.Tool;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CLI's resident JVM, through {@code bin/cairn} as a user runs it: a call answers exactly as a
 * JVM of its own would (output, errors, exit code), with the caller's environment and directory;
 * a resident JVM that is stuck or interrupted never runs a command twice or leaves a caller waiting.
 */
class CliResidentIT extends ClusterFixture {
    private Path resident;

    @BeforeEach
    void controller() throws IOException {
        controllerGroup(1);
        startController("c1");
        resident = dir.resolve("resident");
    }

    @AfterEach
    void stopResident() {
        pid().flatMap(ProcessHandle::of).ifPresent(p -> {
            p.destroy();
            p.onExit().orTimeout(10, TimeUnit.SECONDS).join();
        });
    }

    /** The environment of a call: this cluster, and the resident JVM in the test's directory. */
    private Map<String, String> env(boolean residentJvm) {
        Map<String, String> env = new HashMap<>(Map.of(
                "CAIRN_CONTROLLER",
                urls(),
                "CAIRN_TOKEN_FILE",
                tokens().resolve("admin.token").toString(),
                "CAIRN_RESIDENT_DIR",
                resident.toString(),
                "CAIRN_NO_RESIDENT",
                residentJvm ? "" : "1"));
        // Either would send every call to a JVM of its own.
        env.put("CAIRN_JAVA_OPTS", "");
        env.put("CAIRN_NO_AOT", "");
        return env;
    }

    private Tool.Result call(String... args) {
        return CairnProcess.run(env(true), args);
    }

    private Optional<Long> pid() {
        try {
            return Optional.of(
                    Long.parseLong(Files.readString(resident.resolve("pid")).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private String log() throws IOException {
        return Files.readString(resident.resolve("resident.log"));
    }

    /** The calls the resident JVM has run, from its log. */
    private long callsRun() throws IOException {
        Path log = resident.resolve("resident.log");
        return Files.exists(log)
                ? Files.readAllLines(log).stream()
                        .filter(l -> l.contains(" ran, exit code "))
                        .count()
                : 0;
    }

    /** Starts the resident JVM the way a user does: a first call, run in a JVM of its own. */
    private long started() throws IOException {
        Tool.Result first = call("class", "list");
        assertThat(first.exitCode()).isZero();
        await().atMost(WAIT).until(() -> pid().flatMap(ProcessHandle::of).isPresent());
        assertThat(callsRun()).isZero();
        return pid().orElseThrow();
    }

    @Test
    void everyCallAnswersAsAJvmOfItsOwnWould() throws IOException {
        started();
        List<String[]> calls = List.of(
                new String[] {"class", "list"},
                new String[] {"volume", "list"},
                new String[] {"node", "list", "-o", "json"},
                new String[] {"volume", "show", "no-such-volume"},
                new String[] {"volume", "list", "--bogus"},
                new String[] {"help", "volume", "attach"},
                new String[] {"--help"},
                new String[] {"volume", "create", "v", "--size", "1e400"});
        long before = callsRun();
        List<Integer> codes = new ArrayList<>();
        for (String[] args : calls) {
            Tool.Result own = CairnProcess.run(env(false), args);
            Tool.Result viaResident = call(args);
            assertThat(viaResident.stdout()).as(String.join(" ", args)).isEqualTo(own.stdout());
            assertThat(viaResident.stderr()).as(String.join(" ", args)).isEqualTo(own.stderr());
            assertThat(viaResident.exitCode()).as(String.join(" ", args)).isEqualTo(own.exitCode());
            codes.add(own.exitCode());
        }
        // Answers, refusals and usage errors alike.
        assertThat(codes).contains(0, 1, 2);
        assertThat(callsRun() - before).isEqualTo(calls.size());
    }

    @Test
    void aCallUsesItsCallersEnvironmentAndDirectory() throws IOException {
        started();
        Map<String, String> elsewhere = env(true);
        elsewhere.put("CAIRN_CONTROLLER", "http://127.0.0.1:1");
        Tool.Result refused = CairnProcess.run(elsewhere, "class", "list");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.stderr()).contains("no controller reachable at [http://127.0.0.1:1]");

        // A relative --token-file, and a relative CAIRN_TOKEN_FILE, name files in the caller's directory.
        Map<String, String> relative = env(true);
        relative.put("CAIRN_TOKEN_FILE", "");
        Tool.Result byOption = inDirectory(tokens(), relative, "class", "list", "--token-file", "admin.token");
        assertThat(byOption.exitCode()).as(byOption.stderr()).isZero();
        relative.put("CAIRN_TOKEN_FILE", "admin.token");
        Tool.Result byVariable = inDirectory(tokens(), relative, "class", "list");
        assertThat(byVariable.stdout()).isEqualTo(byOption.stdout()).contains("zone-3");
        Tool.Result missing = inDirectory(dir, relative, "class", "list");
        assertThat(missing.stderr()).contains("cannot read the token file " + dir.resolve("admin.token"));
        assertThat(callsRun()).isEqualTo(4);
    }

    private static Tool.Result inDirectory(Path cwd, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", "-c", "cd \"$0\" && exec \"$@\"", cwd.toString()));
        command.add(CairnHome.launcher().toString());
        command.addAll(List.of(args));
        Map<String, String> all = new HashMap<>(env);
        all.put("CAIRN_NO_BUILD", "1");
        return Tool.run(Duration.ofMinutes(2), all, command);
    }

    @Test
    void aStuckResidentJvmIsPassedByAndNeverRunsTheCallItDidNotTake() throws IOException {
        long pid = started();
        ProcessHandle jvm = ProcessHandle.of(pid).orElseThrow();
        Tool.Result stop = Tool.run(Duration.ofSeconds(10), "kill", "-STOP", Long.toString(pid));
        assertThat(stop.exitCode()).isZero();
        try {
            // Not run twice: a second creation of the class would be refused.
            Tool.Result created = call("class", "create", "stuck-2", "--replicas", "2", "--spread-across", "host");
            assertThat(created.exitCode())
                    .as(created.stdout() + created.stderr())
                    .isZero();
        } finally {
            Tool.run(Duration.ofSeconds(10), "kill", "-CONT", Long.toString(pid));
        }
        // The call left it no pid file: once it runs again it sees so and leaves, having run nothing.
        jvm.onExit().orTimeout(30, TimeUnit.SECONDS).join();
        assertThat(callsRun()).isZero();
        assertThat(log()).contains("exiting: ");
        assertThat(call("class", "list").stdout()).contains("stuck-2");
        // The next call after that starts a new one.
        await().atMost(WAIT)
                .until(() ->
                        pid().filter(p -> p != pid).flatMap(ProcessHandle::of).isPresent());
    }

    @Test
    void anInterruptedCallerCancelsItsCallAndOutputCutShortEndsIt() throws Exception {
        started();
        long before = callsRun();
        Map<String, String> piped = env(true);
        piped.put("CAIRN_NO_BUILD", "1");
        Tool.Result head = Tool.run(
                Duration.ofSeconds(30),
                piped,
                List.of(
                        "bash",
                        "-c",
                        "\"$0\" help volume | head -n 1",
                        CairnHome.launcher().toString()));
        assertThat(head.stdout()).startsWith("Usage: cairn volume");
        // The resident JVM ran it, its output cut short, and went on.
        await().atMost(WAIT).until(() -> callsRun() == before + 1);
        try (ServerSocket silent = new ServerSocket()) {
            silent.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Map<String, String> env = env(true);
            env.put("CAIRN_CONTROLLER", "http://127.0.0.1:" + silent.getLocalPort());
            env.put("CAIRN_NO_BUILD", "1");
            ProcessBuilder pb = new ProcessBuilder(CairnHome.launcher().toString(), "class", "list");
            pb.environment().putAll(env);
            pb.redirectErrorStream(true)
                    .redirectOutput(dir.resolve("cancelled.out").toFile());
            Process caller = pb.start();
            try (Socket accepted = silent.accept()) {
                // The resident JVM asked the silent controller (and waits for its answer): the call runs there.
                assertThat(accepted.isConnected()).isTrue();
                caller.destroy();
                assertThat(caller.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(caller.exitValue()).isEqualTo(143);
                await().atMost(WAIT).until(() -> log().contains("cancelling call."));
                String call = log().replaceAll("(?s).*cancelling (call\\.\\w+).*", "$1");
                // Interrupted, it ends long before the 30 s its request would wait for an answer.
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> log().contains(call + " ended after its caller left")
                                || log().contains(call + " ran, exit code "));
            }
        }
        assertThat(call("class", "list").stdout()).contains("zone-3");
    }
}
