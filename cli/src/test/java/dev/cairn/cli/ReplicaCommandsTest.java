package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.NodeRecord;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code volume add-replica|remove-replica}, and the health {@code volume show|list} and {@code
 * cluster status} print, against an in-process controller with nodes in zones a, a, b and c.
 */
class ReplicaCommandsTest {
    private CliFixture controller;

    @BeforeEach
    void aTwoLegVolume(@TempDir Path dir) throws Exception {
        controller = new CliFixture(dir);
        for (String zone : new String[] {"a", "a", "b", "c"}) {
            controller.addNode(zone);
        }
        controller.cli("volume", "create", "db", "--size", "1GiB", "--class", "zone-2", "--no-wait");
        controller.nodesMakeTheirExtents();
    }

    @AfterEach
    void stop() {
        controller.close();
    }

    private String cli(String... args) {
        return controller.cli(args);
    }

    private String zoneOf(Leg leg) {
        return controller.state.read(s -> s.nodes().get(leg.nodeId()).label("zone"));
    }

    private String nameOf(UUID node) {
        return controller.state.read(s -> s.nodes().get(node).name());
    }

    /** "node NAME, zone=Z": how a problem line names a leg's place. */
    private String where(Leg leg) {
        return "node " + nameOf(leg.nodeId()) + ", zone=" + zoneOf(leg);
    }

    @Test
    void addReplicaPlacesANewLegInAZoneTheVolumeLacksAndEveryViewShowsItAwaitingSync() throws Exception {
        assertThat(cli("volume", "show", "db")).contains("health:   HEALTHY\n").doesNotContain("problem:");

        String added = cli("volume", "add-replica", "db");

        Leg leg = controller.leg("db", 2);
        Set<String> before = controller.volume("db").legs().stream()
                .filter(l -> l.index() < 2)
                .map(this::zoneOf)
                .collect(Collectors.toSet());
        assertThat(before).doesNotContain(zoneOf(leg));
        assertThat(added.lines())
                .containsExactly(
                        "added leg 2 to volume db: node " + nameOf(leg.nodeId()) + " (host=" + leg.nodeId() + ",zone="
                                + zoneOf(leg)
                                + "), extent "
                                + leg.extentId(),
                        "health:   DEGRADED",
                        "problem:  leg 2 (" + where(leg) + "): new leg: its node is creating the extent");

        controller.nodesMakeTheirExtents();
        String problem = "leg 2 (" + where(leg) + "): new leg: its node copies it from an in-sync leg";
        String shown = cli("volume", "show", "db");
        assertThat(shown).contains("health:   DEGRADED\nproblem:  " + problem + "\n");
        assertThat(shown.lines())
                .anySatisfy(l -> assertThat(l).startsWith("LEG  STATE  SYNC  SYNCED  NODE"))
                .anySatisfy(l -> assertThat(l).startsWith("0    READY  -     yes     "))
                .anySatisfy(l -> assertThat(l).startsWith("2    READY  -     no      " + nameOf(leg.nodeId()) + "  "));
        assertThat(cli("volume", "show", "db", "--wide").lines())
                .anySatisfy(l -> assertThat(l)
                        .startsWith("LEG  STATE  SYNC  SYNCED  NODE")
                        .contains("  NODE ID  ")
                        .endsWith("  DRIVE ID"))
                .anySatisfy(l -> assertThat(l)
                        .startsWith("2    READY  -     no      " + nameOf(leg.nodeId()) + "  ")
                        .endsWith(leg.nodeId() + "  " + leg.driveId()));
        assertThat(cli("volume", "list").lines())
                .anySatisfy(l -> assertThat(l).startsWith("NAME").contains("  STATE      HEALTH    LEGS"))
                .anySatisfy(l -> assertThat(l).startsWith("db").endsWith("AVAILABLE  DEGRADED  3/3 ready  -"));
        assertThat(cli("cluster", "status"))
                .contains("volumes:  1 (1 available, 0 creating, 1 degraded)\n")
                .contains("repairs:  1 running (new legs not yet in sync)\n")
                .contains("problem:  volume db: " + problem + "\n");

        JsonNode json = new ObjectMapper().readTree(cli("volume", "show", "db", "-o", "json"));
        assertThat(json.get("health").asText()).isEqualTo("DEGRADED");
        assertThat(json.get("legs").get(2).get("synced").asBoolean()).isFalse();
    }

    @Test
    void addReplicaTakesTheNodesNameOrItsId() throws Exception {
        Set<String> zones =
                controller.volume("db").legs().stream().map(this::zoneOf).collect(Collectors.toSet());
        List<UUID> free = controller.state.read(s -> s.nodes().values().stream()
                .filter(n -> !zones.contains(n.label("zone")))
                .map(NodeRecord::id)
                .toList());
        String byName = nameOf(free.getFirst());
        assertThat(cli("volume", "add-replica", "db", "--node", byName))
                .startsWith("added leg 2 to volume db: node " + byName + " (");
        assertThat(controller.leg("db", 2).nodeId()).isEqualTo(free.getFirst());

        cli("volume", "create", "one", "--size", "1GiB", "--class", "single", "--no-wait");
        controller.nodesMakeTheirExtents();
        UUID holder = controller.leg("one", 0).nodeId();
        UUID other = controller.state.read(s -> s.nodes().keySet().stream()
                .filter(n -> !n.equals(holder))
                .findFirst()
                .orElseThrow());
        assertThat(cli("volume", "add-replica", "one", "--node", other.toString()))
                .startsWith("added leg 1 to volume one: node " + nameOf(other) + " (");
    }

    @Test
    void addReplicaOnANodeTheVolumeIsOnIsRefusedWithTheControllersReason() throws Exception {
        UUID taken = controller.leg("db", 0).nodeId();

        assertThat(cli("volume", "add-replica", "db", "--node", nameOf(taken))).isEqualTo("exit 1");
        assertThat(controller.err())
                .isEqualTo("cairn volume add-replica: cannot add a leg to volume 'db' on node " + nameOf(taken)
                        + ": node "
                        + nameOf(taken) + " already holds leg 0 of volume 'db'; every leg of a volume is on a different"
                        + " node\n");
        UUID nobody = UUID.randomUUID();
        assertThat(cli("volume", "add-replica", "db", "--node", nobody.toString()))
                .isEqualTo("exit 1");
        assertThat(controller.err())
                .isEqualTo(
                        "cairn volume add-replica: no node " + nobody + " (nodes: node-1, node-2, node-3, node-4)\n");
        assertThat(cli("volume", "add-replica", "db", "--node", "node-9")).isEqualTo("exit 1");
        assertThat(controller.err())
                .isEqualTo("cairn volume add-replica: no node 'node-9' (nodes: node-1, node-2, node-3, node-4)\n");
        assertThat(controller.volume("db").legs()).hasSize(2);
    }

    @Test
    void addReplicaInAZoneTheVolumeHasSaysWhichZonesAreLeft() throws Exception {
        cli("volume", "create", "all", "--size", "1GiB", "--class", "zone-3", "--no-wait");
        controller.nodesMakeTheirExtents();
        Leg inA = controller.volume("all").legs().stream()
                .filter(l -> zoneOf(l).equals("a"))
                .findFirst()
                .orElseThrow();
        String otherA = nameOf(inA.nodeId()).equals("node-1") ? "node-2" : "node-1";
        String prefix = "cairn volume add-replica: cannot add a leg to volume 'all' on node " + otherA + ": node "
                + otherA + " is in zone=a, where volume 'all' already has leg " + inA.index()
                + ", and class 'zone-3' puts every leg in a different zone";

        assertThat(cli("volume", "add-replica", "all", "--node", otherA)).isEqualTo("exit 1");
        assertThat(controller.err())
                .isEqualTo(prefix + "; the volume has a leg in every zone with an online node: add a node in another"
                        + " zone, use a class that spreads across another label, or remove a leg first\n");

        Leg inC = controller.volume("all").legs().stream()
                .filter(l -> zoneOf(l).equals("c"))
                .findFirst()
                .orElseThrow();
        cli("volume", "remove-replica", "all", Integer.toString(inC.index()), "--force");
        assertThat(cli("volume", "add-replica", "all", "--node", otherA)).isEqualTo("exit 1");
        assertThat(controller.err())
                .isEqualTo(prefix + ": pick a node in zone=c, or remove leg " + inA.index() + " first\n");
        assertThat(controller.volume("all").legs()).hasSize(2);
    }

    @Test
    void removingBelowTheClassNeedsForceAndLeavesTheVolumeDegradedByIntent() throws Exception {
        Leg second = controller.leg("db", 1);

        assertThat(cli("volume", "remove-replica", "db", "1")).isEqualTo("exit 1");
        assertThat(controller.err())
                .isEqualTo(
                        "cairn volume remove-replica: volume 'db' would keep 1 in-sync leg where its class 'zone-2' asks"
                                + " for 2; force it to go below (the volume then shows degraded by intent)\n");
        assertThat(cli("volume", "remove-replica", "db", "7")).isEqualTo("exit 1");
        assertThat(controller.err()).startsWith("cairn volume remove-replica: volume 'db' has no leg '7' (legs: 0=");
        assertThat(controller.volume("db").legs()).hasSize(2);

        assertThat(cli("volume", "remove-replica", "db", second.extentId().toString(), "--force")
                        .lines())
                .containsExactly(
                        "removed leg " + second.extentId() + " from volume db (its node erases the extent); 1 leg left",
                        "health:   DEGRADED_BY_INTENT",
                        "problem:  1 of the 2 legs class 'zone-2' asks for: an operator removed a leg (add-replica"
                                + " restores it)");
        assertThat(controller.volume("db").legs()).extracting(Leg::index).containsExactly(0);
        assertThat(controller.orphans()).contains(second.extentId());
        assertThat(cli("volume", "list").lines())
                .anySatisfy(l -> assertThat(l).startsWith("db").contains("  DEGRADED_BY_INTENT  1/1 ready"));

        assertThat(cli("volume", "remove-replica", "db", "0", "--force")).isEqualTo("exit 1");
        assertThat(controller.err()).isEqualTo("cairn volume remove-replica: leg 0 is the only leg of volume 'db'\n");
    }

    @Test
    void aLegWhoseOthersAreStillSyncingCannotBeRemovedEvenWithForce() throws Exception {
        cli("volume", "add-replica", "db");
        controller.nodesMakeTheirExtents();
        assertThat(cli("volume", "remove-replica", "db", "0", "--force")).contains("2 legs left");

        assertThat(cli("volume", "remove-replica", "db", "1", "--force")).isEqualTo("exit 1");
        assertThat(controller.err())
                .isEqualTo("cairn volume remove-replica: removing leg 1 would leave volume 'db' with no in-sync leg"
                        + " (the others are missing or still syncing)\n");
        assertThat(controller.volume("db").legs()).extracting(Leg::index).containsExactly(1, 2);
        JsonNode json = new ObjectMapper().readTree(cli("volume", "show", "db", "-o", "json"));
        assertThat(json.get("replicas").asInt()).isEqualTo(2);
        assertThat(json.get("health").asText()).isEqualTo("DEGRADED");
    }
}
