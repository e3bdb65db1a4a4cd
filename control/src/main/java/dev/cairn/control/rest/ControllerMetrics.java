package dev.cairn.control.rest;

import dev.cairn.control.api.Views;
import dev.cairn.control.erasure.Reprotector;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.Limits;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.NodeState;
import dev.cairn.control.model.PStoreLayout;
import dev.cairn.control.model.Volume;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.ReplicatedState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The controller peer's own meters (the JVM's come with {@link dev.cairn.metrics.DaemonMetrics}):
 *
 * <ul>
 *   <li>{@code cairn_controller_raft_leader} (1 on the leader, 0 elsewhere), {@code
 *       cairn_controller_raft_term}, {@code cairn_controller_raft_commit_index}, {@code
 *       cairn_controller_raft_applied_index}, {@code cairn_controller_raft_peers};
 *   <li>the cluster as this peer's copy of the state has it (every peer exports them; a follower's
 *       copy may lag by a few entries, so dashboards take the leader's): {@code
 *       cairn_controller_nodes{state}} ({@code online}, {@code offline}), {@code
 *       cairn_controller_volumes{health}} ({@code HEALTHY}, {@code DEGRADED}, {@code
 *       DEGRADED_BY_INTENT}, as {@code volume show} says), {@code cairn_controller_repairs_running}
 *       (new legs waiting for their first full sync), {@code cairn_controller_orphans}, {@code
 *       cairn_controller_capacity_bytes} and {@code cairn_controller_free_bytes} (every node's
 *       drives);
 *   <li>{@code cairn_controller_repairs_started_total{reason}} ({@code repair}, {@code drain}):
 *       replacement legs this peer's repair loop placed while it led;
 *   <li>the rebalance's ({@link RebalanceMeters}).
 * </ul>
 *
 * The gauges show what {@link #refresh} last read: the {@code /metrics} handler calls it before
 * each scrape, so one scrape reads the state once, under its read lock, without a read barrier
 * (a peer cut off from the others still answers).
 */
public final class ControllerMetrics {
    /** What one refresh read. */
    private record Reading(ReplicatedState.RaftStatus raft, Cluster cluster) {}

    private record Cluster(
            Map<NodeState, Integer> nodes,
            Map<Views.VolumeHealth, Integer> volumesByHealth,
            int repairsRunning,
            int rebuildsRunning,
            int orphans,
            long capacityBytes,
            long freeBytes) {}

    private final ReplicatedState state;
    private final Map<Command.Replacement, Counter> repairsStarted = new EnumMap<>(Command.Replacement.class);
    private volatile Reading last;
    private final Counter dkvRecoveries;
    private final Counter dkvRecoveredBytes;
    private final ReprotectMeters reprotect;
    private final RebalanceMeters rebalance;
    private final double spareFraction;
    /** The erasure-coded volumes' layouts the rebalance's meters plan with (none until set). */
    private volatile Function<ClusterState, Map<UUID, List<PStoreLayout>>> layouts = s -> Map.of();

    private ControllerMetrics(MeterRegistry registry, ReplicatedState state, double spareFraction) {
        this.state = state;
        this.spareFraction = spareFraction;
        this.rebalance = new RebalanceMeters(registry);
        this.last = read();
        gauge(
                registry,
                "cairn.controller.raft.leader",
                "1 when this peer leads the controller group",
                r -> r.raft().leader() ? 1 : 0);
        gauge(
                registry,
                "cairn.controller.raft.term",
                "The Raft term this peer is in",
                r -> r.raft().term());
        gauge(
                registry,
                "cairn.controller.raft.commit.index",
                "The last log index this peer knows committed",
                r -> r.raft().commitIndex());
        gauge(
                registry,
                "cairn.controller.raft.applied.index",
                "The last log index this peer applied",
                r -> r.raft().appliedIndex());
        gauge(
                registry,
                "cairn.controller.raft.peers",
                "Peers of the controller group",
                r -> r.raft().peers());
        for (NodeState s : NodeState.values()) {
            Gauge.builder(
                            "cairn.controller.nodes",
                            this,
                            m -> m.last.cluster().nodes().get(s))
                    .description("Storage nodes, by state")
                    .tag("state", s.name().toLowerCase(Locale.ROOT))
                    .register(registry);
        }
        for (Views.VolumeHealth health : Views.VolumeHealth.values()) {
            Gauge.builder(
                            "cairn.controller.volumes",
                            this,
                            m -> m.last.cluster().volumesByHealth().getOrDefault(health, 0))
                    .description("Volumes, by health")
                    .tag("health", health.name())
                    .register(registry);
        }
        gauge(
                registry,
                "cairn.controller.repairs.running",
                "New legs waiting for their first full sync",
                r -> r.cluster().repairsRunning());
        gauge(
                registry,
                "cairn.controller.orphans",
                "Extents nodes hold that no volume wants",
                r -> r.cluster().orphans());
        capacityGauges(registry);
        repairCounters(registry);
        dkvGauges(registry);
        dkvRecoveries = Counter.builder("cairn.controller.dkv.recoveries")
                .description("DKV shards this peer recovered")
                .register(registry);
        dkvRecoveredBytes = Counter.builder("cairn.controller.dkv.recovered")
                .description("Bytes of slots written by DKV recoveries on this peer")
                .baseUnit("bytes")
                .register(registry);
        reprotect = new ReprotectMeters(registry);
        gauge(
                registry,
                "cairn.controller.reprotect.running",
                "BStores being rebuilt now",
                r -> r.cluster().rebuildsRunning());
    }

    private void capacityGauges(MeterRegistry registry) {
        Gauge.builder("cairn.controller.capacity", this, m -> m.last.cluster().capacityBytes())
                .description("Data area of every node's drives")
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder("cairn.controller.free", this, m -> m.last.cluster().freeBytes())
                .description("Bytes no extent takes on every node's drives")
                .baseUnit("bytes")
                .register(registry);
    }

    private void repairCounters(MeterRegistry registry) {
        for (Command.Replacement why : Command.Replacement.values()) {
            repairsStarted.put(
                    why,
                    Counter.builder("cairn.controller.repairs.started")
                            .description("Replacement legs the repair loop placed while this peer led")
                            .tag("reason", why.name().toLowerCase(Locale.ROOT))
                            .register(registry));
        }
    }

    private void dkvGauges(MeterRegistry registry) {
        Gauge.builder(
                        "cairn.controller.dkv.epoch",
                        this,
                        m -> m.state.readLocal(st -> st.dkv().epoch()))
                .description("The DKV's quorum epoch")
                .register(registry);
        Gauge.builder(
                        "cairn.controller.dkv.shards",
                        this,
                        m -> m.state.readLocal(st -> st.dkv().shards().size()))
                .description("Shards of the DKV")
                .register(registry);
        Gauge.builder(
                        "cairn.controller.dkv.shards.recovering",
                        this,
                        m -> m.state.readLocal(st -> st.dkv().shards().stream()
                                .filter(DkvLayout.Shard::recovering)
                                .count()))
                .description("Shards of the DKV with a mirror being filled")
                .register(registry);
    }

    /** Registers the controller's meters; their values come from {@code state}. */
    public static ControllerMetrics register(MeterRegistry registry, ReplicatedState state) {
        return register(registry, state, 0);
    }

    /** The same, the rebalance's meters judging room with {@code spareFraction} of every drive kept. */
    public static ControllerMetrics register(MeterRegistry registry, ReplicatedState state, double spareFraction) {
        return new ControllerMetrics(registry, state, spareFraction);
    }

    /** The rebalance's meters plan with the BStores of the volumes whose layouts {@code of} gives. */
    public void layouts(Function<ClusterState, Map<UUID, List<PStoreLayout>>> of) {
        layouts = of;
    }

    private void gauge(MeterRegistry registry, String name, String description, ToDoubleFunction<Reading> value) {
        Gauge.builder(name, this, m -> value.applyAsDouble(m.last))
                .description(description)
                .register(registry);
    }

    /** Reads the state for the gauges; called before each scrape. */
    public void refresh() {
        last = read();
        rebalance.update(state.readLocal(s -> RebalanceRoutes.view(s, spareFraction, layouts.apply(s))));
    }

    private Reading read() {
        return new Reading(state.raftStatus(), state.readLocal(ControllerMetrics::cluster));
    }

    private static Cluster cluster(ClusterState s) {
        Map<NodeState, Integer> nodes = new EnumMap<>(NodeState.class);
        for (NodeState ns : NodeState.values()) {
            nodes.put(ns, 0);
        }
        long capacity = 0;
        long free = 0;
        for (NodeRecord n : s.nodes().values()) {
            nodes.merge(n.state(), 1, Integer::sum);
            for (DriveState d : n.drives()) {
                capacity = Limits.addSaturated(capacity, d.dataBytes());
                free = Limits.addSaturated(free, d.freeBytes());
            }
        }
        Map<Views.VolumeHealth, Integer> byHealth = new EnumMap<>(Views.VolumeHealth.class);
        int repairs = 0;
        int rebuilds = 0;
        for (Volume v : s.volumes().values()) {
            byHealth.merge(HealthViews.of(s, v).health(), 1, Integer::sum);
            repairs += (int) v.legs().stream().filter(Leg::awaitingSync).count();
            rebuilds += v.erasure().map(e -> e.rebuilds().size()).orElse(0);
        }
        return new Cluster(nodes, byHealth, repairs, rebuilds, s.orphans().size(), capacity, free);
    }

    /** The leader's repair loop placed a replacement leg (its proposal was applied). */
    public void repairStarted(Command.Replacement why) {
        repairsStarted.get(why).increment();
    }

    /** What the reprotect loop reports. */
    public Reprotector.Meters reprotect() {
        return reprotect;
    }

    /** A DKV shard was recovered, writing {@code bytes}. */
    public void dkvRecovered(long bytes) {
        dkvRecoveries.increment();
        dkvRecoveredBytes.increment((double) bytes);
    }
}
