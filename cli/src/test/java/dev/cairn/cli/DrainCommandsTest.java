package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegSync;
import dev.cairn.control.model.Volume;
import dev.cairn.control.model.VolumeReport;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.RepairPlanner;
import dev.cairn.control.state.Secrets;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code node drain [--wait]|undrain} and the drain's progress in {@code node show|list}, against an
 * in-process controller; the repair loop's passes, the nodes and the agent are played by the test.
 */
class DrainCommandsTest {
    private static final String SINCE = "2026-01-01T00:00:00Z";
    private CliFixture controller;
    /** The name of the node the test drains. */
    private String node;

    private String nodeId;
    private Leg leaving;

    @BeforeEach
    void aTwoLegVolume(@TempDir Path dir) throws Exception {
        controller = new CliFixture(dir);
        for (String zone : new String[] {"a", "a", "b", "c"}) {
            controller.addNode(zone);
        }
        controller.cli("volume", "create", "db", "--size", "1GiB", "--class", "zone-2", "--no-wait");
        controller.nodesMakeTheirExtents();
        leaving = controller.leg("db", 0);
        nodeId = leaving.nodeId().toString();
        node = controller.state.read(s -> s.nodes().get(leaving.nodeId()).name());
    }

    @AfterEach
    void stop() {
        controller.close();
    }

    private String cli(String... args) {
        return controller.cli(args);
    }

    /** One pass of the leader's repair loop. */
    private void repairPass() {
        controller
                .state
                .read(s -> RepairPlanner.plan(
                        s,
                        controller.clock.millis(),
                        new RepairPlanner.Settings(2, 0),
                        UUID::randomUUID,
                        Secrets::newSecret))
                .forEach(controller.state::submit);
    }

    /** The volume's agent reports every leg in sync: the replacement has had its first sync. */
    private void agentReportsEveryLegInSync() {
        Volume v = controller.volume("db");
        SortedMap<UUID, LegSync> legs = new TreeMap<>();
        v.legs().forEach(l -> legs.put(l.extentId(), new LegSync(AgentApi.LegSyncState.IN_SYNC, Optional.empty())));
        controller.state.submit(new Command.AgentHeartbeat(
                "h1",
                "10.0.0.5:10810",
                List.of(new VolumeReport(
                        v.id(),
                        v.attachment().orElseThrow().generation(),
                        legs,
                        new AgentApi.ResyncReport(0, 0, 0, 1 << 30))),
                controller.clock.millis()));
    }

    /** The progress lines a waiting drain printed, without the seconds each starts with. */
    private static List<String> steps(String printed) {
        return printed.lines().map(l -> l.replaceFirst("^ *\\d+s  ", "")).toList();
    }

    @Test
    void drainShowsItsProgressInNodeShowAndList() {
        assertThat(cli("node", "drain", node).lines())
                .containsExactly("node " + node + " draining since " + SINCE + ": 1 leg left, 0 moving");
        assertThat(cli("node", "show", node)).contains("drain:           since " + SINCE + ": 1 leg left, 0 moving\n");
        assertThat(cli("node", "show", nodeId))
                .startsWith("name:            " + node + "\nid:              " + nodeId + "\n")
                .contains("drain:           since " + SINCE + ": 1 leg left, 0 moving\n");
        assertThat(cli("node", "list").lines())
                .anySatisfy(l -> assertThat(l).startsWith(node + "  ONLINE (draining)  host="));
        assertThat(cli("node", "list", "--wide").lines())
                .anySatisfy(l -> assertThat(l)
                        .startsWith(node + "  ONLINE (draining)  host=")
                        .endsWith("  " + nodeId));

        repairPass();

        Leg next = controller.leg("db", 2);
        String waiting =
                "volume db: its new leg " + next.extentId() + " is copied by its node (the volume is detached)";
        assertThat(cli("node", "show", node))
                .contains("drain:           since " + SINCE + ": 1 leg left, 1 moving\n  waiting:       " + waiting);
        assertThat(cli("volume", "show", "db"))
                .contains("leg 0 replaced by leg 2 (extent " + next.extentId() + ")\n")
                .contains("problem:  leg 0 (node " + node + ", zone=");

        assertThat(cli("node", "undrain", node))
                .isEqualTo("node " + node + ": drain stopped; new legs may be placed on it again\n");
        assertThat(cli("node", "undrain", node))
                .as("a notice, not an error")
                .isEqualTo("node " + node + " was not draining; nothing to stop\n");
        assertThat(cli("node", "list").lines()).noneSatisfy(l -> assertThat(l).contains("draining"));
        assertThat(cli("node", "show", node)).doesNotContain("drain:");
    }

    @Test
    void drainWaitGivesUpAfterItsTimeoutSayingWhatIsLeft() {
        cli("node", "drain", node);
        repairPass();
        StringWriter progress = new StringWriter();

        assertThat(controller.cli(
                        progress, "node", "drain", node, "--wait", "--timeout", "300ms", "--poll-every", "50ms"))
                .isEqualTo("exit 1");
        assertThat(controller.err())
                .isEqualTo("cairn node drain: node " + node + " still holds 1 leg (1 moving) after 300ms; the drain"
                        + " goes on: see cairn node show " + node + "\n");
        assertThat(steps(progress.toString()))
                .containsExactly(
                        "1 leg left, 1 moving",
                        "       waiting: volume db: its new leg "
                                + controller.leg("db", 2).extentId()
                                + " is copied by its node (the volume is detached)");
    }

    @Test
    void drainWaitPrintsEachChangeAndEndsOnceTheLastLegMoved() throws Exception {
        cli("node", "drain", node);
        StringWriter progress = new StringWriter();
        CompletableFuture<String> drained = CompletableFuture.supplyAsync(
                () -> controller.cli(progress, "node", "drain", node, "--wait", "--poll-every", "20ms"));
        await().atMost(Duration.ofSeconds(10)).until(() -> progress.toString().contains("1 leg left, 0 moving"));

        repairPass();
        await().atMost(Duration.ofSeconds(10)).until(() -> progress.toString().contains("1 leg left, 1 moving"));
        controller.nodesMakeTheirExtents();
        controller.state.submit(
                new Command.AgentHeartbeat("h1", "10.0.0.5:10810", List.of(), controller.clock.millis()));
        cli("volume", "attach", "db", "--host", "h1");
        agentReportsEveryLegInSync();

        String out = drained.get(10, TimeUnit.SECONDS);
        assertThat(steps(out))
                .containsSubsequence(
                        "1 leg left, 0 moving",
                        "1 leg left, 1 moving",
                        "0 legs left, 0 moving",
                        "node " + node + " drained: no legs, KV volumes or BStores left");
        assertThat(controller.volume("db").legs()).extracting(Leg::index).containsExactlyInAnyOrder(1, 2);
        assertThat(controller.orphans()).contains(leaving.extentId());
    }

    @Test
    void removeSaysWhatTheNodeStillHoldsAndThatItIsOnline() {
        assertThat(cli("node", "remove", node)).isEqualTo("exit 1");
        assertThat(controller.err())
                .contains("node " + node + " still holds legs of volume db: drain it first (node drain " + node + ")");
        assertThat(controller.cli("node", "list")).contains(node);
        UUID empty = controller.addNode("d");
        String emptyName = controller.state.read(s -> s.nodes().get(empty).name());
        assertThat(cli("node", "remove", emptyName)).isEqualTo("exit 1");
        assertThat(controller.err()).contains("node " + emptyName + " is online: stop its daemon first");
        controller.state.submit(new Command.MarkNodeOffline(empty, controller.clock.millis() + 3_600_000, 1));
        assertThat(cli("node", "remove", emptyName)).isEqualTo("node " + emptyName + " removed from the cluster\n");
        assertThat(controller.cli("node", "list")).doesNotContain(emptyName);
    }
}
