package dev.cairn.control.state;

import static dev.cairn.control.state.Scenario.report;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegSync;
import dev.cairn.control.model.Volume;
import dev.cairn.control.model.VolumeReport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/** A {@link Scenario} for repairs: six nodes in three zones, a 3-leg volume, the repair planner. */
final class RepairScenario {
    static final long TIMEOUT = Duration.ofMinutes(10).toMillis();
    final Scenario s = new Scenario();
    final RepairPlanner.Settings settings = new RepairPlanner.Settings(2, 0);
    final Map<String, UUID> nodes = new TreeMap<>();
    private long ids;

    /** Six nodes, two in each of zones a, b, c; a 3-leg volume "db", all in sync. */
    Volume sixNodesAndVolume() {
        for (String zone : List.of("a", "b", "c")) {
            nodes.put(zone + "1", s.node(zone, 100));
            nodes.put(zone + "2", s.node(zone, 100));
        }
        return s.availableVolume("db", "zone-3", 3);
    }

    /** {@link #sixNodesAndVolume}, attached to agent h1, which reports every leg in sync. */
    Volume sixNodesAndAttachedVolume() {
        sixNodesAndVolume();
        s.agent("h1");
        s.attach("db", "h1", false);
        Volume v = s.volume("db");
        s.agent("h1", report(v, v.attachment().orElseThrow().generation(), LegSyncState.IN_SYNC, 0));
        return s.volume("db");
    }

    List<Command> plan() {
        return s.machine.read(
                st -> RepairPlanner.plan(st, s.now, settings, () -> new UUID(7, ++ids), () -> "secret-" + ids));
    }

    List<Command> planAndApply() {
        List<Command> plan = plan();
        plan.forEach(c -> assertThat(s.apply(c).message()).as(c.toString()).isEmpty());
        return plan;
    }

    /**
     * Leg {@code lost}'s node marked offline and the repair timeout past: the one step planned is a
     * replacement; returns the new leg, made by its node.
     */
    Leg replaceAfterTimeout(Leg lost) {
        nodeOffline(lost.nodeId());
        s.now += TIMEOUT;
        assertThat(planAndApply()).singleElement().isInstanceOf(Command.ReplaceLeg.class);
        Leg fresh = s.volume("db").legs().stream()
                .filter(Leg::awaitingSync)
                .findFirst()
                .orElseThrow();
        s.heartbeat(fresh.nodeId(), s.legsOn(fresh.nodeId()));
        return fresh;
    }

    void nodeOffline(UUID node) {
        s.apply(new Command.MarkNodeOffline(node, s.now, 0));
    }

    String zoneOf(UUID node) {
        return s.machine.read(st -> st.nodes().get(node).label("zone"));
    }

    /** The agent h1 reports these leg states of {@code v} at its attachment's generation. */
    void agentReports(Volume v, Map<UUID, LegSync> legs) {
        VolumeReport r = new VolumeReport(
                v.id(),
                v.attachment().orElseThrow().generation(),
                new TreeMap<>(legs),
                report(v, 0, null, 0).resync());
        s.agent("h1", r);
    }

    static LegSync sync(LegSyncState state) {
        return new LegSync(state, state == LegSyncState.FAILED ? Optional.of("connection refused") : Optional.empty());
    }

    static Map<UUID, LegSync> allInSyncBut(Volume v, UUID extent, LegSyncState state) {
        Map<UUID, LegSync> legs = new TreeMap<>();
        v.legs().forEach(l -> legs.put(l.extentId(), sync(l.extentId().equals(extent) ? state : LegSyncState.IN_SYNC)));
        return legs;
    }

    /** The extents agent h1 is handed for its first volume. */
    List<UUID> legsHandedToAgent() {
        return s.machine.agentDesired("h1").volumes().getFirst().legs().stream()
                .map(l -> l.extentId())
                .toList();
    }
}
