package dev.cairn.cli;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.ControlClient;
import dev.cairn.control.api.Requests;
import dev.cairn.control.api.Sizes;
import dev.cairn.control.api.Views;
import dev.cairn.control.api.Wait;
import dev.cairn.local.LocalCluster;
import dev.cairn.nbd.NbdAddress;
import dev.cairn.nbd.client.NbdClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The story {@code cairn demo} tells on a fresh local cluster: a 3-replica volume spread over three
 * zones loses a node while it is written, heals itself on a new node in the same zone, and every
 * byte reads back as written. Every step is checked; {@link #run} says whether all checks passed.
 */
final class Demo {
    static final String CLASS = "demo-3";
    static final Duration REPAIR_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(3);

    private final PrintWriter out;
    private final LocalCluster cluster;
    private final long volumeBytes;
    private final int blocksBefore;
    private final int blocksDuring;
    private final boolean terminal = Progress.terminal();
    private final List<String> failed = new ArrayList<>();
    private static final long MIB = 1 << 20;
    private final Map<UUID, Long> freeBefore = new HashMap<>();
    /** The extents each node held before the volume (the DKV's). */
    private final Map<UUID, Set<UUID>> extentsBefore = new HashMap<>();

    private final DemoData data;
    private int checks;
    private ControlClient api;
    private UUID volumeId;
    private Views.LegView victim;
    private Set<UUID> originalExtents = Set.of();
    private volatile long killedAt;
    private double healSeconds;
    private long resynced;

    Demo(PrintWriter out, LocalCluster cluster, long volumeBytes, long writeBytes) {
        this.out = out;
        this.cluster = cluster;
        this.volumeBytes = volumeBytes;
        int blocks = (int) (writeBytes / DemoData.BLOCK);
        this.blocksDuring = Math.max(1, blocks / 5);
        this.blocksBefore = blocks - blocksDuring;
        this.data = new DemoData(System.nanoTime(), blocks);
    }

    /** Tells the story; true if every check passed. */
    boolean run() throws Exception {
        long t0 = System.nanoTime();
        clusterUp();
        createVolume();
        try (NbdClient nbd = connect(cluster.agentSocket(), volumeId.toString())) {
            say("attached to " + LocalCluster.AGENT_HOST + ": "
                    + NbdAddress.uri(cluster.agentSocket().toString(), volumeId.toString()));
            write(nbd, 0, blocksBefore, "writing checksummed data");
            killWhileWriting(nbd);
            heal();
            restartVictim();
            readBack(nbd);
        }
        out.println();
        out.println("Summary");
        out.printf(
                "  data written     %s (%s before the failure, %s while a node was down)%n",
                mib(data.blocks()), mib(blocksBefore), mib(blocksDuring));
        out.printf("  bytes resynced   %s (the new leg's full copy, holes included)%n", Sizes.human(resynced));
        out.printf(
                "  time to heal     %.1f s from the kill to HEALTHY (repair timeout %d s)%n",
                healSeconds, REPAIR_TIMEOUT.toSeconds());
        out.printf("  checks           %d of %d passed%n", checks - failed.size(), checks);
        out.printf("  total time       %.1f s%n", (System.nanoTime() - t0) / 1e9);
        failed.forEach(f -> out.println("FAILED: " + f));
        out.flush();
        return failed.isEmpty();
    }

    private void clusterUp() throws IOException {
        step(
                1,
                "cluster up: " + cluster.spec().nodes() + " storage nodes in "
                        + cluster.spec().zones() + " zones, a controller and a client agent, each its own process");
        cluster.up(this::say);
        api = ClusterLocalCommands.adminClient(cluster);
        say("controller " + cluster.controllerUrl() + ", logs under " + cluster.dir());
    }

    private void createVolume() throws IOException, InterruptedException {
        step(2, "a " + Sizes.human(volumeBytes) + " volume with 3 replicas, one per zone");
        api.nodes().list().forEach(n -> freeBefore.put(n.id(), n.freeBytes()));
        for (UUID node : freeBefore.keySet()) {
            extentsBefore.put(
                    node,
                    api.nodes().get(node).extents().stream()
                            .map(Views.ExtentView::id)
                            .collect(Collectors.toSet()));
        }
        api.classes().create(new Requests.CreateClass(CLASS, 3, "zone", null, REPAIR_TIMEOUT.toString(), null));
        volumeId = api.volumes()
                .create(new Requests.CreateVolume("demo", volumeBytes, CLASS))
                .id();
        Views.VolumeView v = await(x -> x.state() == Views.VolumeState.AVAILABLE, "the volume's legs to be made");
        v.legs().forEach(l -> say("leg " + l.index() + " on " + where(l)));
        check(zones(v.legs()).size() == 3, "the 3 legs are in 3 different zones");
        victim = v.legs().get(1);
        originalExtents = extents(v.legs());
        api.volumes().attach(volumeId.toString(), new AgentApi.Attach(LocalCluster.AGENT_HOST, false));
    }

    private void write(NbdClient nbd, int from, int to, String label, IntConsumer written) throws IOException {
        Progress p = new Progress(out, label, (long) (to - from) * DemoData.BLOCK, terminal);
        AtomicLong done = new AtomicLong();
        data.write(nbd, from, to, i -> {
            p.update(done.addAndGet(DemoData.BLOCK));
            written.accept(i);
        });
        p.done();
    }

    private void write(NbdClient nbd, int from, int to, String label) throws IOException {
        write(nbd, from, to, label, i -> {});
    }

    private void killWhileWriting(NbdClient nbd) throws IOException, InterruptedException {
        String name = victimName();
        step(3, "kill " + name + " (zone " + victim.nodeLabels().get("zone") + ") with SIGKILL while writing");
        AtomicBoolean killing = new AtomicBoolean();
        List<Thread> killer = new ArrayList<>();
        String[] killError = {null};
        String writeError = null;
        try {
            write(nbd, blocksBefore, blocksBefore + blocksDuring, "writing through the failure", i -> {
                if (i >= blocksBefore + blocksDuring / 4 && killing.compareAndSet(false, true)) {
                    // Killed from its own thread: this one delivers the replies of the writes in flight.
                    killer.add(Thread.ofPlatform().name("demo-kill").start(() -> {
                        try {
                            cluster.kill(name);
                            killedAt = System.nanoTime();
                        } catch (IOException | RuntimeException e) {
                            killError[0] = e.getMessage();
                        }
                    }));
                }
            });
        } catch (IOException e) {
            writeError = e.getMessage();
            out.println();
        }
        for (Thread t : killer) {
            t.join();
        }
        check(
                killedAt > 0,
                name + " was killed while writes were in flight" + (killError[0] == null ? "" : ": " + killError[0]));
        check(
                writeError == null,
                writeError == null
                        ? "every write was acknowledged (" + mib(blocksDuring) + " while the kill happened)"
                        : "writes failed after the kill: " + writeError);
        Views.VolumeView v = await(
                x -> x.health() != Views.VolumeHealth.HEALTHY && !x.problems().isEmpty(),
                "the volume to show degraded");
        say("volume " + v.health() + ":");
        v.problems().forEach(problem -> say("  " + problem));
        check(v.health() == Views.VolumeHealth.DEGRADED, "the volume shows DEGRADED, with the reason");
        boolean offline = within(() -> api.nodes().get(victim.nodeId()).state() != Views.NodeState.ONLINE);
        check(offline, "the controller marks " + name + " offline: its heartbeats stopped");
    }

    private void heal() throws IOException, InterruptedException {
        step(
                4,
                "wait out the repair timeout (" + REPAIR_TIMEOUT.toSeconds() + " s): a new leg, synced while the"
                        + " volume stays in use");
        Set<UUID> before = originalExtents;
        Views.VolumeView v = await(x -> x.legs().stream().anyMatch(l -> !before.contains(l.extentId())), "a new leg");
        Views.LegView added = v.legs().stream()
                .filter(l -> !before.contains(l.extentId()))
                .findFirst()
                .orElseThrow();
        say("new leg " + added.index() + " placed on " + where(added));
        Progress s = new Progress(out, "syncing the new leg", volumeBytes, terminal);
        v = await(
                x -> {
                    x.resync().filter(r -> r.totalBytes() > 0).ifPresent(r -> s.update(r.doneBytes()));
                    return x.health() == Views.VolumeHealth.HEALTHY && x.legs().size() == 3;
                },
                "the volume to heal");
        s.done();
        healSeconds = (System.nanoTime() - killedAt) / 1e9;
        say(String.format("volume %s again, %.1f s after the kill", v.health(), healSeconds));
        check(v.health() == Views.VolumeHealth.HEALTHY && v.legs().size() == 3, "the volume is HEALTHY with 3 legs");
        check(
                zones(v.legs()).size() == 3 && !added.nodeId().equals(victim.nodeId()),
                "the new leg is on another node, in the zone that lost one ("
                        + added.nodeLabels().get("zone") + ")");
        resynced = v.resync().map(AgentApi.ResyncReport::copiedBytes).orElse(0L);
    }

    private void restartVictim() throws IOException, InterruptedException {
        String name = victimName();
        step(5, "restart " + name + ": its stale leg is erased as an orphan");
        cluster.up(line -> {
            if (!line.contains("already running")) {
                say(line);
            }
        });
        UUID stale = victim.extentId();
        boolean erased = within(() -> !holds(victim.nodeId(), stale)
                && orphans().stream().noneMatch(o -> o.extentId().equals(stale)));
        Views.NodeView node = api.nodes().get(victim.nodeId());
        long freeAfter = node.freeBytes();
        long freeWas = freeBefore.getOrDefault(victim.nodeId(), -1L);
        // Back and empty, the node may already have been given a leg by the rebalance.
        long movedIn = node.extents().stream()
                .filter(e -> !e.id().equals(stale)
                        && !extentsBefore.getOrDefault(node.id(), Set.of()).contains(e.id()))
                .mapToLong(e -> Math.ceilDiv(e.sizeBytes(), MIB) * MIB)
                .sum();
        say("extent " + stale + (erased ? " erased" : " still there") + " on " + name + ", " + Sizes.human(freeAfter)
                + " free (" + Sizes.human(freeWas) + " before the volume"
                + (movedIn > 0 ? "; " + Sizes.human(movedIn) + " taken since by a leg the rebalance moved there" : "")
                + ")");
        check(
                erased && freeAfter + movedIn == freeWas,
                name + " came back, erased its stale extent, and has all its space" + " free again");
    }

    private void readBack(NbdClient nbd) throws IOException {
        step(6, "read everything back and check every block's CRC32C");
        Progress r = new Progress(out, "reading back", (long) data.blocks() * DemoData.BLOCK, terminal);
        AtomicLong read = new AtomicLong();
        List<Integer> bad = data.verify(nbd, data.blocks(), i -> r.update(read.addAndGet(DemoData.BLOCK)));
        r.done();
        check(
                bad.isEmpty(),
                mib(data.blocks()) + " read back, "
                        + (bad.isEmpty()
                                ? "every checksum matches"
                                : bad.size() + " blocks differ, the first at MiB " + bad.getFirst()));
    }

    private String victimName() {
        return victim.nodeName();
    }

    private static String mib(int blocks) {
        return Sizes.human((long) blocks * DemoData.BLOCK);
    }

    private void step(int n, String what) {
        out.printf("%n[%d/6] %s%n", n, what);
        out.flush();
    }

    private void say(String line) {
        out.println("      " + line);
        out.flush();
    }

    private void check(boolean ok, String what) {
        checks++;
        if (!ok) {
            failed.add(what);
        }
        say((ok ? "✓ " : "✗ ") + what);
    }

    private Views.VolumeView await(Predicate<Views.VolumeView> until, String what)
            throws IOException, InterruptedException {
        Views.VolumeView[] last = {null};
        await(
                () -> {
                    last[0] = api.volumes().get(volumeId);
                    return until.test(last[0]);
                },
                what);
        return last[0];
    }

    private static void await(Wait.Condition until, String what) throws IOException, InterruptedException {
        if (!within(until)) {
            throw new IOException("gave up waiting for " + what + " after " + STEP_TIMEOUT.toMinutes() + " minutes");
        }
    }

    /** Whether {@code until} comes true within the step timeout. */
    private static boolean within(Wait.Condition until) throws IOException, InterruptedException {
        return Wait.real().until(STEP_TIMEOUT, until);
    }

    /** A client of the agent's export of {@code export} on {@code agentSocket}, once it serves it (3 minutes at most). */
    static NbdClient connect(Path agentSocket, String export) throws IOException, InterruptedException {
        IOException[] last = {null};
        Optional<NbdClient> connected = Wait.real().forAnswer(STEP_TIMEOUT, () -> {
            try {
                return Optional.of(NbdClient.connect(UnixDomainSocketAddress.of(agentSocket), export));
            } catch (IOException e) {
                last[0] = e;
                return Optional.empty();
            }
        });
        return connected.orElseThrow(() -> new IOException(
                "the agent does not serve the volume at " + NbdAddress.uri(agentSocket.toString(), export) + ": "
                        + last[0].getMessage(),
                last[0]));
    }

    private boolean holds(UUID nodeId, UUID extentId) throws IOException {
        Views.NodeView n = api.nodes().get(nodeId);
        return n.state() != Views.NodeState.ONLINE || n.extents().stream().anyMatch(e -> e.id().equals(extentId));
    }

    private List<Views.OrphanView> orphans() throws IOException {
        return api.orphans().list();
    }

    private static String where(Views.LegView l) {
        return l.nodeName() + " (zone " + l.nodeLabels().get("zone") + ")";
    }

    private static Set<String> zones(List<Views.LegView> legs) {
        Set<String> zones = new HashSet<>();
        legs.forEach(l -> zones.add(l.nodeLabels().get("zone")));
        return zones;
    }

    private static Set<UUID> extents(List<Views.LegView> legs) {
        Set<UUID> ids = new HashSet<>();
        legs.forEach(l -> ids.add(l.extentId()));
        return ids;
    }
}
