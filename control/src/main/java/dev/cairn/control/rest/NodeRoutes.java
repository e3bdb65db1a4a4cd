package dev.cairn.control.rest;

import dev.cairn.control.api.Label;
import dev.cairn.control.api.NodeName;
import dev.cairn.control.api.Requests;
import dev.cairn.control.api.Views;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.LegCopyProgress;
import dev.cairn.control.model.Limits;
import dev.cairn.control.model.NodeState;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.state.ClusterStateMachine;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.Liveness;
import dev.cairn.control.state.ReplicatedState;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What storage nodes call: register on start, heartbeat their inventory (and how their copies of
 * legs go), and long-poll for the extents they should have and the legs of detached volumes they
 * should copy (level-triggered reconciliation: the node converges on that set). Copies are capped
 * at the repair bandwidth, per node.
 */
final class NodeRoutes {
    private static final Logger log = LoggerFactory.getLogger(NodeRoutes.class);

    static final Duration MAX_WAIT = Duration.ofSeconds(30);

    private final ReplicatedState state;
    private final InstantSource clock;
    private final double spareFraction;
    private final long copyBytesPerSecond;
    private final Duration kvLease;
    private final ErasureRoutes erasure;

    NodeRoutes(
            ReplicatedState state,
            InstantSource clock,
            double spareFraction,
            long copyBytesPerSecond,
            Duration kvLease,
            ErasureRoutes erasure) {
        this.erasure = erasure;
        this.state = state;
        this.clock = clock;
        this.spareFraction = spareFraction;
        this.copyBytesPerSecond = copyBytesPerSecond;
        this.kvLease = kvLease;
    }

    void register(Context ctx) throws IOException {
        UUID node = Json.uuid(ctx.pathParam("id"), "node id");
        Requests.Register r = Json.body(ctx, Requests.Register.class);
        Json.require(r.nbdAddress(), "nbdAddress");
        Json.require(r.adminUrl(), "adminUrl");
        if (r.name() != null) {
            try {
                NodeName.check(r.name());
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest(e.getMessage());
            }
        }
        Map<String, String> labels = r.labels() == null ? Map.of() : r.labels();
        Json.atMost(labels.size(), Limits.MAX_LABELS, "labels");
        try {
            labels.forEach(Label::new);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
        Command c = new Command.RegisterNode(
                node, r.nbdAddress(), r.adminUrl(), labels, drives(r.drives()), clock.millis(), r.name());
        boolean wasOffline = offline(node);
        Json.submit(state, c);
        logBackOnline(node, wasOffline);
        ctx.json(state.read(s -> ViewMapper.node(s, s.nodes().get(node), false, spareFraction, state.liveness())));
    }

    void heartbeat(Context ctx) throws IOException {
        UUID node = Json.uuid(ctx.pathParam("id"), "node id");
        Requests.Heartbeat r = Json.body(ctx, Requests.Heartbeat.class);
        List<Requests.ExtentReport> reported = r.extents() == null ? List.of() : r.extents();
        Json.atMost(reported.size(), Limits.MAX_EXTENTS_PER_NODE, "extents");
        List<ObservedExtent> extents = new ArrayList<>();
        for (Requests.ExtentReport e : reported) {
            extents.add(new ObservedExtent(
                    Json.uuid(e.id(), "extent id"),
                    Json.uuid(e.driveId(), "drive id"),
                    e.sizeBytes(),
                    e.erasing(),
                    e.generation(),
                    "bstore".equals(e.kind())));
        }
        References.registeredNode(state, node);
        long now = clock.millis();
        boolean wasOffline = offline(node);
        Json.heartbeat(
                state,
                new Command.Heartbeat(
                        node,
                        drives(r.drives()),
                        extents,
                        r.errors() == null ? List.of() : r.errors(),
                        r.reconciledIndex() == null ? -1 : r.reconciledIndex(),
                        now,
                        copies(r.copies())),
                Liveness.Heard.node(node, now));
        logBackOnline(node, wasOffline);
        ctx.status(204);
    }

    /** Whether this peer's copy holds {@code node} as offline. */
    private boolean offline(UUID node) {
        return state.readLocal(
                s -> s.nodes().containsKey(node) && s.nodes().get(node).state() == NodeState.OFFLINE);
    }

    /** Says so when a node marked offline is heard from again (as the offline monitor says it went). */
    private void logBackOnline(UUID node, boolean wasOffline) {
        if (wasOffline && !offline(node)) {
            log.info(
                    "node {} ({}) is heard from again: back online",
                    state.readLocal(s -> s.nodes().get(node).name()),
                    node);
        }
    }

    private static List<LegCopyProgress> copies(List<Requests.CopyReport> reports) {
        List<LegCopyProgress> copies = new ArrayList<>();
        for (Requests.CopyReport c : reports == null ? List.<Requests.CopyReport>of() : reports) {
            if (c == null || c.state() == null) {
                throw ApiError.badRequest("a copy report needs an extentId and a state");
            }
            LegCopyProgress.State state;
            try {
                state = LegCopyProgress.State.valueOf(c.state());
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest(
                        "copy state '" + c.state() + "' is not one of COPYING, DONE, WAITING, FAILED");
            }
            copies.add(new LegCopyProgress(
                    Json.uuid(c.extentId(), "extent id"),
                    c.generation(),
                    state,
                    c.doneBytes(),
                    c.totalBytes(),
                    c.bytesPerSecond(),
                    c.message()));
        }
        return copies;
    }

    /** GET desired?after=N&waitMillis=M: returns when the set changed after N, or after M ms. */
    void desired(Context ctx) throws IOException, InterruptedException {
        UUID node = Json.uuid(ctx.pathParam("id"), "node id");
        long after = Json.longParam(ctx, "after", -1);
        Duration wait = Duration.ofMillis(Math.clamp(Json.longParam(ctx, "waitMillis", 0), 0, MAX_WAIT.toMillis()));
        ClusterStateMachine.Desired d = state.awaitDesired(node, after, wait);
        List<Views.DesiredExtent> extents = new ArrayList<>();
        d.legs()
                .forEach(l -> extents.add(new Views.DesiredExtent(
                        l.extentId(), l.driveId(), l.extentSizeBytes(), l.generation(), l.secret())));
        d.kvVolumes()
                .forEach(m -> extents.add(new Views.DesiredExtent(
                        m.extentId(), m.driveId(), d.kvVolumeBytes(), d.kvEpoch(), m.secret(), Views.ExtentKind.KV)));
        extents.addAll(d.pendingBStores());
        ErasureRoutes.NodeShare bstores = erasure.desiredOn(node, d.erasureVolumes());
        extents.addAll(bstores.extents());
        ctx.json(new Views.DesiredView(
                d.appliedIndex(),
                d.changedAt(),
                extents,
                d.erase(),
                d.copies(),
                copyBytesPerSecond,
                kvLease.toMillis(),
                bstores.rebuilds()));
    }

    private static List<DriveState> drives(List<Requests.DriveReport> reports) {
        if (reports == null) {
            throw ApiError.badRequest("drives is required");
        }
        Json.atMost(reports.size(), Limits.MAX_DRIVES_PER_NODE, "drives");
        List<DriveState> drives = new ArrayList<>();
        for (Requests.DriveReport d : reports) {
            try {
                drives.add(new DriveState(
                        Json.uuid(d.id(), "drive id"),
                        d.capacityBytes(),
                        d.dataBytes(),
                        d.usedBytes(),
                        d.largestFreeBytes()));
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest(e.getMessage());
            }
        }
        return drives;
    }
}
