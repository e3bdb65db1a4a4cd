package dev.cairn.control.rest;

import dev.cairn.control.api.RebalanceView;
import dev.cairn.control.api.Requests;
import dev.cairn.control.erasure.PStoreLayouts;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.NodeState;
import dev.cairn.control.model.PStoreLayout;
import dev.cairn.control.model.RebalanceState;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.RebalancePlanner;
import dev.cairn.control.state.ReplicatedState;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The operator's view of the rebalance and its switches: status, pause, resume, and the spread it
 * keeps the drives' fill within. Each switch is one transition of the replicated state; the repair
 * loop does the moving.
 */
final class RebalanceRoutes {
    private final ReplicatedState state;
    private final double spareFraction;
    private final PStoreLayouts layouts;

    RebalanceRoutes(ReplicatedState state, double spareFraction, PStoreLayouts layouts) {
        this.layouts = layouts;
        this.state = state;
        this.spareFraction = spareFraction;
    }

    /** GET /v1/rebalance. */
    void status(Context ctx) throws IOException {
        ctx.json(state.read(s -> view(s, spareFraction, layouts.cached(s))));
    }

    /** POST /v1/rebalance/pause: no new move starts; moves running finish. */
    void pause(Context ctx) throws IOException {
        Json.submit(state, new Command.SetRebalance(Optional.of(true), Optional.empty()));
        status(ctx);
    }

    /** POST /v1/rebalance/resume. */
    void resume(Context ctx) throws IOException {
        Json.submit(state, new Command.SetRebalance(Optional.of(false), Optional.empty()));
        status(ctx);
    }

    /** PUT /v1/rebalance {"spreadPoints": N}. */
    void set(Context ctx) throws IOException {
        Requests.SetRebalance r = Json.body(ctx, Requests.SetRebalance.class);
        Json.require(r.spreadPoints(), "spreadPoints");
        double points = r.spreadPoints();
        if (!(points >= RebalanceState.MIN_SPREAD * 100 && points <= RebalanceState.MAX_SPREAD * 100)) {
            throw ApiError.badRequest("spreadPoints must be from " + RebalanceState.MIN_SPREAD * 100 + " to "
                    + RebalanceState.MAX_SPREAD * 100 + ", got " + points);
        }
        Json.submit(state, new Command.SetRebalance(Optional.empty(), Optional.of(points / 100)));
        status(ctx);
    }

    static RebalanceView view(ClusterState s, double spareFraction, Map<UUID, List<PStoreLayout>> layouts) {
        RebalancePlanner.Outlook o = RebalancePlanner.outlook(s, spareFraction, layouts);
        List<RebalanceView.DriveFill> drives = new ArrayList<>();
        for (NodeRecord n : s.nodes().values()) {
            if (n.state() != NodeState.ONLINE || n.draining()) {
                continue;
            }
            for (DriveState d : n.drives()) {
                if (d.dataBytes() > 0) {
                    drives.add(new RebalanceView.DriveFill(
                            n.id(),
                            n.name(),
                            d.id(),
                            d.dataBytes(),
                            d.usedBytes(),
                            100.0 * d.usedBytes() / d.dataBytes()));
                }
            }
        }
        drives.sort(Comparator.comparingDouble(RebalanceView.DriveFill::fillPercent)
                .reversed()
                .thenComparing(RebalanceView.DriveFill::node)
                .thenComparing(RebalanceView.DriveFill::driveId));
        RebalanceState r = s.rebalance();
        // Moves whose new leg (or BStore) is still filling: one whose new leg was itself replaced (its
        // node lost) or whose volume was deleted is forgotten at the next move, and not shown meanwhile.
        Map<UUID, Long> running = new HashMap<>();
        s.volumes()
                .values()
                .forEach(v -> v.legs().stream()
                        .filter(l -> l.awaitingSync() && r.moving().containsKey(l.extentId()))
                        .forEach(l -> running.put(l.extentId(), r.moving().get(l.extentId()))));
        s.volumes()
                .values()
                .forEach(v -> v.erasure()
                        .ifPresent(e -> e.rebuilds().stream()
                                .filter(x ->
                                        r.moving().containsKey(x.replacement().extentId()))
                                .forEach(x -> running.put(
                                        x.replacement().extentId(),
                                        r.moving().get(x.replacement().extentId())))));
        return new RebalanceView(
                r.paused(),
                o.spread() * 100,
                o.threshold() * 100,
                o.spread() <= o.threshold(),
                o.waiting(),
                o.plan().moves().size(),
                o.plan().bytes(),
                running.size(),
                running.values().stream().mapToLong(Long::longValue).sum(),
                r.moves(),
                r.bytesMoved(),
                drives);
    }
}
