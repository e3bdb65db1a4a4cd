package dev.cairn.local;

import dev.cairn.control.api.ControlClient;
import dev.cairn.control.api.ReadyFile;
import dev.cairn.control.api.Views;
import dev.cairn.control.api.Wait;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A whole Cairn cluster on this machine, every daemon its own process on loopback, kept in one
 * directory: {@code cluster.json} (what it is, see {@link ClusterSpec}), {@code env} (the variables
 * the CLI needs), and a directory per daemon ({@code controller/}, {@code node-N/}, {@code agent/})
 * with its data or drive file, its log, its ready file and its pid file.
 *
 * <p>{@link #up} starts whichever daemons are not running and returns once every node is online
 * and the agent registered; {@link #down} stops, by pid, every daemon it started and keeps the data,
 * so that the next {@code up} brings back every volume.
 */
public final class LocalCluster {
    /** The host name the local cluster's client agent registers under. */
    public static final String AGENT_HOST = "client-1";

    private static final Duration READY_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);

    private final Path dir;
    private final ClusterSpec spec;

    private LocalCluster(Path dir, ClusterSpec spec) {
        this.dir = dir.toAbsolutePath().normalize();
        this.spec = spec;
    }

    /** Where {@code cairn cluster up} keeps its cluster by default: $CAIRN_CLUSTER_DIR, else ~/.cairn/cluster. */
    public static Path defaultDir() {
        return defaultDir(System::getenv);
    }

    /** {@link #defaultDir()} for a caller whose environment {@code env} reads (null for unset). */
    public static Path defaultDir(java.util.function.UnaryOperator<String> env) {
        String configured = env.apply("CAIRN_CLUSTER_DIR");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return Path.of(System.getProperty("user.home"), ".cairn", "cluster");
    }

    /** The cluster kept in {@code dir}, if {@code dir} holds one. */
    public static Optional<LocalCluster> open(Path dir) throws IOException {
        Path file = dir.resolve("cluster.json");
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        return Optional.of(new LocalCluster(dir, ClusterSpec.read(file)));
    }

    /** Makes a new cluster in {@code dir} (empty or absent); nothing runs until {@link #up}. */
    public static LocalCluster create(Path dir, ClusterSpec spec) throws IOException {
        Files.createDirectories(dir);
        try (var entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                throw new IOException(dir + " is not empty and holds no Cairn local cluster (no cluster.json);"
                        + " give an empty or new --dir");
            }
        }
        LocalCluster cluster = new LocalCluster(dir, spec);
        spec.write(cluster.dir.resolve("cluster.json"));
        Files.writeString(
                cluster.dir.resolve("env"),
                "export CAIRN_CONTROLLER=" + cluster.controllerUrl() + "\nexport CAIRN_TOKEN_FILE="
                        + cluster.adminTokenFile() + "\n",
                StandardCharsets.UTF_8);
        return cluster;
    }

    public Path dir() {
        return dir;
    }

    public ClusterSpec spec() {
        return spec;
    }

    public String controllerUrl() {
        return "http://127.0.0.1:" + spec.controllerPort();
    }

    /** The admin bearer token's file (the controller makes it on its first start). */
    public Path adminTokenFile() {
        return dir.resolve("controller/data/tokens/admin.token");
    }

    /** Node {@code index}'s (0-based) admin API token, made by the node in its data directory. */
    public Path nodeAdminTokenFile(int index) {
        return dir.resolve(ClusterSpec.nodeName(index)).resolve("data/admin.token");
    }

    /** The token nodes and agents present to the controller. */
    public Path nodeTokenFile() {
        return dir.resolve("controller/data/tokens/node.token");
    }

    /**
     * The Unix socket the agent serves volumes on (owner-only; the agent makes {@code run/} with mode
     * 0700): {@code nbd+unix:///VOLUME-ID?socket=PATH}.
     */
    public Path agentSocket() {
        return dir.resolve("agent/run/nbd.sock");
    }

    /** One daemon of the cluster. */
    public record Member(String name, Optional<String> zone, Path dir, List<String> args) {
        public Path log() {
            return dir.resolve(kind() + ".log");
        }

        public Path readyFile() {
            return dir.resolve("ready.json");
        }

        public Path pidFile() {
            return dir.resolve("pid");
        }

        /** controller, node or agent. */
        public String kind() {
            return args.getFirst();
        }
    }

    /** The daemons in the order they start: the controller, the nodes, the agent. */
    public List<Member> members() {
        List<Member> members = new ArrayList<>();
        Path c = dir.resolve("controller");
        List<String> controller =
                DaemonArgs.controller(c.resolve("data"), "127.0.0.1:" + spec.controllerPort(), c.resolve("ready.json"));
        controller.addAll(List.of("--peers", "c1=127.0.0.1:" + spec.raftPort()));
        controller.addAll(spec.controllerArgs());
        members.add(new Member("controller", Optional.empty(), c, controller));
        for (int i = 0; i < spec.nodes(); i++) {
            String name = ClusterSpec.nodeName(i);
            Path d = dir.resolve(name);
            ClusterSpec.NodePorts ports = spec.nodePorts().get(i);
            Map<String, String> labels = new LinkedHashMap<>();
            labels.put("zone", spec.zone(i));
            labels.put("host", name);
            List<String> node = DaemonArgs.node(
                    List.of(d.resolve("drive.img") + ",size=" + spec.driveSizeBytes()),
                    labels,
                    "127.0.0.1:" + ports.nbd(),
                    "127.0.0.1:" + ports.admin(),
                    d.resolve("data"),
                    d.resolve("ready.json"));
            node.addAll(DaemonArgs.controllerLink(controllerUrl(), nodeTokenFile()));
            node.addAll(List.of("--name", name));
            node.addAll(spec.nodeArgs());
            members.add(new Member(name, Optional.of(spec.zone(i)), d, node));
        }
        Path a = dir.resolve("agent");
        List<String> agent = DaemonArgs.agent(
                AGENT_HOST, agentSocket(), "127.0.0.1:" + spec.agentMetricsPort(), a.resolve("ready.json"));
        agent.addAll(DaemonArgs.controllerLink(controllerUrl(), nodeTokenFile()));
        agent.addAll(spec.agentArgs());
        members.add(new Member("agent", Optional.empty(), a, agent));
        return members;
    }

    public Member member(String name) {
        return members().stream()
                .filter(m -> m.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no daemon named " + name + " in " + dir));
    }

    /**
     * The running process of {@code member}: the pid in its pid file, if that process is alive and
     * its command line names this cluster's directory (a reused pid is not ours).
     */
    public Optional<ProcessHandle> running(Member member) throws IOException {
        if (!Files.exists(member.pidFile())) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(
                    Files.readString(member.pidFile(), StandardCharsets.UTF_8).strip());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        String marker = member.readyFile().toString();
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(h -> h.info().commandLine().map(c -> c.contains(marker)).orElse(false));
    }

    /** What a running member's ready file says (its addresses, its id). */
    public ReadyFile ready(Member member) throws IOException {
        return ReadyFile.read(member.readyFile());
    }

    /**
     * Starts every daemon that is not running (all of them on a cluster that is down), waits until
     * each serves, then until the controller sees every node online and the agent registered.
     */
    public void up(Consumer<String> events) throws IOException {
        List<Member> members = members();
        startMissing(members.subList(0, 1), events);
        startMissing(members.subList(1, members.size() - 1), events);
        startMissing(members.subList(members.size() - 1, members.size()), events);
        awaitRegistered(events);
    }

    private void startMissing(List<Member> group, Consumer<String> events) throws IOException {
        Map<Member, Process> started = new LinkedHashMap<>();
        for (Member m : group) {
            Optional<ProcessHandle> already = running(m);
            if (already.isPresent()) {
                events.accept(
                        m.name() + " already running (pid " + already.get().pid() + ")");
                continue;
            }
            Files.createDirectories(m.dir());
            Files.deleteIfExists(m.readyFile());
            Process p = Launcher.start(m.args(), m.log(), Map.of(), true);
            Files.writeString(m.pidFile(), p.pid() + "\n", StandardCharsets.UTF_8);
            started.put(m, p);
        }
        for (Map.Entry<Member, Process> e : started.entrySet()) {
            Member m = e.getKey();
            try {
                Launcher.awaitReady(e.getValue(), m.readyFile(), m.log(), READY_TIMEOUT);
            } catch (IOException failed) {
                Files.deleteIfExists(m.pidFile());
                throw new IOException(m.name() + " did not start: " + failed.getMessage(), failed);
            }
            events.accept(m.name() + " started (pid " + e.getValue().pid() + ")");
        }
    }

    private void awaitRegistered(Consumer<String> events) throws IOException {
        ControlClient control = new ControlClient(
                ControlClient.urls(controllerUrl()),
                Optional.of(Files.readString(adminTokenFile(), StandardCharsets.UTF_8)
                        .strip()),
                Duration.ofSeconds(10));
        Set<String> names = new HashSet<>();
        for (int i = 0; i < spec.nodes(); i++) {
            names.add(ClusterSpec.nodeName(i));
        }
        Set<String> online = new HashSet<>();
        boolean[] agent = {false};
        boolean registered;
        try (control) {
            registered = Wait.real().until(READY_TIMEOUT, () -> {
                online.clear();
                for (Views.NodeView n : control.nodes().list()) {
                    if (n.state() == Views.NodeState.ONLINE) {
                        online.add(n.labels().getOrDefault("host", ""));
                    }
                }
                agent[0] = control.agents().stream().anyMatch(a -> a.host().equals(AGENT_HOST));
                return online.containsAll(names) && agent[0];
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (!registered) {
            Set<String> missing = new HashSet<>(names);
            missing.removeAll(online);
            throw new IOException("the controller does not see " + (missing.isEmpty() ? "" : "nodes " + missing)
                    + (agent[0] ? "" : " agent " + AGENT_HOST) + " after " + READY_TIMEOUT.toSeconds()
                    + " s; see the logs under " + dir);
        }
        events.accept("every node online, agent " + AGENT_HOST + " registered");
    }

    /** SIGKILLs a member (a crash), leaving its pid file for {@link #up} to see it gone. */
    public void kill(String name) throws IOException {
        Member m = member(name);
        Optional<ProcessHandle> p = running(m);
        if (p.isEmpty()) {
            throw new IllegalStateException(name + " is not running");
        }
        Launcher.kill(p.get());
    }

    /**
     * Stops every running daemon by pid, the agent first and the controller last (SIGTERM; SIGKILL
     * after 30 s), and removes the pid files. The data stays. One line per daemon goes to {@code events}.
     */
    public void down(Consumer<String> events) throws IOException {
        List<Member> members = members();
        stop(members.subList(members.size() - 1, members.size()), events);
        stop(members.subList(1, members.size() - 1), events);
        stop(members.subList(0, 1), events);
    }

    /** Stops a group of daemons together: SIGTERM to each, then waits for each. */
    private void stop(List<Member> group, Consumer<String> events) throws IOException {
        Map<Member, ProcessHandle> running = new LinkedHashMap<>();
        for (Member m : group) {
            Optional<ProcessHandle> p = running(m);
            if (p.isPresent()) {
                p.get().destroy();
                running.put(m, p.get());
            } else {
                Files.deleteIfExists(m.pidFile());
            }
        }
        for (Map.Entry<Member, ProcessHandle> e : running.entrySet()) {
            boolean clean = Launcher.stop(e.getValue(), STOP_GRACE);
            events.accept(e.getKey().name() + " stopped (pid " + e.getValue().pid()
                    + (clean ? ")" : ", killed after " + STOP_GRACE.toSeconds() + " s)"));
            Files.deleteIfExists(e.getKey().pidFile());
        }
    }
}
