package dev.cairn.control.daemon;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.PStoreLayout;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.Outcome;
import dev.cairn.control.state.RebalancePlanner;
import dev.cairn.control.state.RepairPlanner;
import dev.cairn.control.state.ReplicatedState;
import dev.cairn.control.state.Secrets;
import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The repair loop: on the leader only, each pass asks {@link RepairPlanner} what to do and
 * proposes it; on a pass that starts no repair, it asks {@link RebalancePlanner} which legs and BStores to move. It remembers nothing between passes; everything it decides is in the replicated
 * state, so a new leader (or a restarted controller) carries on where the last one stopped, and
 * at once: {@link #tick} is called often and runs a pass as soon as this peer leads, then one
 * every period (a controller restarted every few seconds still moves a drain along).
 */
public final class RepairMonitor {
    private static final Logger log = LoggerFactory.getLogger(RepairMonitor.class);

    private final ReplicatedState state;
    private final InstantSource clock;
    private final RepairPlanner.Settings settings;
    private final Consumer<Command.Replacement> onPlaced;
    private final long periodMillis;
    /** The erasure-coded volumes' layouts the rebalance moves BStores of (none unless given). */
    private final Function<ClusterState, Map<UUID, List<PStoreLayout>>> layouts;
    /** When this peer last ran a pass while leading; -1 while it does not lead. */
    private long lastPass = -1;

    /**
     * A pass every {@code period} while this peer leads. {@code onPlaced} is told of every
     * replacement leg this loop placed (for metrics).
     */
    public RepairMonitor(
            ReplicatedState state,
            InstantSource clock,
            RepairPlanner.Settings settings,
            Duration period,
            Consumer<Command.Replacement> onPlaced) {
        this(state, clock, settings, period, onPlaced, s -> Map.of());
    }

    /** As above, the rebalance moving the BStores of the volumes whose layouts {@code layouts} gives too. */
    public RepairMonitor(
            ReplicatedState state,
            InstantSource clock,
            RepairPlanner.Settings settings,
            Duration period,
            Consumer<Command.Replacement> onPlaced,
            Function<ClusterState, Map<UUID, List<PStoreLayout>>> layouts) {
        this.layouts = layouts;
        this.state = state;
        this.clock = clock;
        this.settings = settings;
        this.periodMillis = period.toMillis();
        this.onPlaced = onPlaced;
    }

    /**
     * Called often: runs a pass at once when this peer has just become leader (or started
     * leading), then once every period; returns what it proposed and was applied.
     */
    public synchronized List<Command> tick() throws IOException {
        if (!state.isLeader()) {
            lastPass = -1;
            return List.of();
        }
        long now = clock.millis();
        if (lastPass >= 0 && now - lastPass < periodMillis) {
            return List.of();
        }
        lastPass = now;
        return check();
    }

    /** One pass; returns what it proposed and was applied. */
    public synchronized List<Command> check() throws IOException {
        if (!state.isLeader()) {
            return List.of();
        }
        long now = clock.millis();
        List<Command> plan =
                state.read(s -> RepairPlanner.plan(s, now, settings, UUID::randomUUID, Secrets::newSecret));
        if (plan.stream().noneMatch(c -> c instanceof Command.ReplaceLeg)) {
            // Repairs first: the rebalance plans only on a pass that started none (and waits itself
            // while a repair or a drain runs).
            RebalancePlanner.Settings r =
                    new RebalancePlanner.Settings(settings.maxSyncsPerNode(), settings.spareFraction());
            plan = new ArrayList<>(plan);
            plan.addAll(state.read(
                    s -> RebalancePlanner.plan(s, now, r, UUID::randomUUID, Secrets::newSecret, layouts.apply(s))));
        }
        for (Command c : plan) {
            Outcome o = state.submit(c);
            switch (c) {
                case Command.ReplaceLeg r
                when o.isOk() -> {
                    onPlaced.accept(r.why());
                    log.info(
                            "volume {}: leg {} replaced by new leg {} ({})",
                            r.volumeId(),
                            r.extentId(),
                            r.newExtentId(),
                            r.why() == Command.Replacement.REPAIR ? "repair: missing" : "drain");
                }
                case Command.ReplaceLeg r ->
                    log.info("volume {}: replacing leg {} deferred: {}", r.volumeId(), r.extentId(), o.message());
                case Command.MoveLeg m
                when o.isOk() ->
                    log.info(
                            "volume {}: rebalance: leg {} moving to drive {} (new leg {})",
                            m.volumeId(),
                            m.extentId(),
                            m.toDrive(),
                            m.newExtentId());
                case Command.MoveLeg m ->
                    log.info(
                            "volume {}: rebalance: moving leg {} deferred: {}",
                            m.volumeId(),
                            m.extentId(),
                            o.message());
                case Command.ReprotectBStores b ->
                    b.rebuilds()
                            .forEach(x -> log.info(
                                    "volume {}: rebalance: BStore {} of PStore {} moving to drive {} (new BStore {}){}",
                                    b.volumeId(),
                                    x.member(),
                                    x.pstore(),
                                    x.replacement().driveId(),
                                    x.replacement().extentId(),
                                    o.isOk() ? "" : " deferred: " + o.message()));
                case Command.NoteRepair n ->
                    log.warn("volume {}: {}", n.volumeId(), n.note().orElse("repair can proceed"));
                default -> {}
            }
        }
        return plan;
    }
}
