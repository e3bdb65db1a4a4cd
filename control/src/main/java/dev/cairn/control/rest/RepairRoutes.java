package dev.cairn.control.rest;

import dev.cairn.control.api.Requests;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.Volume;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.Outcome;
import dev.cairn.control.state.ReplicatedState;
import dev.cairn.control.state.Secrets;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.InstantSource;
import java.util.Optional;
import java.util.UUID;

/**
 * The operator's hands on legs: add a replica, remove one, drain a node and stop draining it. Each
 * is one transition of the replicated state; the repair loop, the nodes and the agents do the rest.
 */
final class RepairRoutes {
    private final ReplicatedState state;
    private final InstantSource clock;
    private final double spareFraction;
    private final ErasureRoutes erasure;

    RepairRoutes(ReplicatedState state, InstantSource clock, double spareFraction, ErasureRoutes erasure) {
        this.state = state;
        this.erasure = erasure;
        this.clock = clock;
        this.spareFraction = spareFraction;
    }

    /** POST /v1/volumes/{volume}/replicas {"node": ID-OR-NAME?}: 201 with the volume. */
    void addReplica(Context ctx) throws IOException {
        Requests.AddReplica r =
                ctx.body().isBlank() ? new Requests.AddReplica(null) : Json.body(ctx, Requests.AddReplica.class);
        Volume v = References.volume(state, ctx.pathParam("volume"));
        Optional<UUID> node = r.node() == null
                ? Optional.empty()
                : Optional.of(References.node(state, r.node()).id());
        Outcome o = Json.submit(
                state,
                new Command.AddReplica(
                        ctx.pathParam("volume"),
                        node,
                        UUID.randomUUID(),
                        Secrets.newSecret(),
                        spareFraction,
                        clock.millis()));
        ctx.status(201)
                .json(References.changedVolume(
                        state, v.id(), "leg " + o.id().orElseThrow() + " was added to volume '" + v.name() + "'"));
    }

    /**
     * POST /v1/volumes/{volume}/resize {"sizeBytes": N}: 200 with the volume, which shows the new
     * size once every leg's node has grown its extent (at once, where nodes are online), or, for an
     * erasure-coded one, once the restriper has stored the layouts of its new and grown PStores.
     */
    void resize(Context ctx) throws IOException {
        Requests.ResizeVolume r = Json.body(ctx, Requests.ResizeVolume.class);
        Json.require(r.sizeBytes(), "sizeBytes");
        try {
            Volume.checkSize(r.sizeBytes());
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
        Volume v = References.volume(state, ctx.pathParam("volume"));
        if (v.erasure().isPresent()) {
            erasure.submitReserving(() -> erasure.growth(v, r.sizeBytes(), spareFraction, clock.millis()));
        } else {
            Json.submit(
                    state,
                    new Command.ResizeVolume(ctx.pathParam("volume"), r.sizeBytes(), spareFraction, clock.millis()));
        }
        ctx.json(References.changedVolume(state, v.id(), "volume '" + v.name() + "' was resized"));
    }

    /** DELETE /v1/volumes/{volume}/replicas/{leg}?force=true: the leg by extent id or index. */
    void removeReplica(Context ctx) throws IOException {
        String force = ctx.queryParam("force");
        if (force != null && !force.equals("true") && !force.equals("false")) {
            throw ApiError.badRequest("force must be true or false, got '" + force + "'");
        }
        String volume = ctx.pathParam("volume");
        Volume v = References.volume(state, volume);
        Outcome o = Json.submit(
                state, new Command.RemoveReplica(volume, ctx.pathParam("leg"), "true".equals(force), clock.millis()));
        ctx.json(References.changedVolume(
                state, v.id(), "leg " + o.id().orElseThrow() + " was removed from volume '" + v.name() + "'"));
    }

    /** POST /v1/nodes/{id}/drain: the node, with its drain's progress. */
    void drain(Context ctx) throws IOException {
        UUID id = References.node(state, ctx.pathParam("id")).id();
        Json.submit(state, new Command.DrainNode(id, clock.millis()));
        showNode(ctx, id);
    }

    void undrain(Context ctx) throws IOException {
        UUID id = References.node(state, ctx.pathParam("id")).id();
        Json.submit(state, new Command.UndrainNode(id));
        showNode(ctx, id);
    }

    /** DELETE /v1/nodes/{id}: 204 once the node is gone from the cluster; 409 saying what it still holds. */
    void remove(Context ctx) throws IOException {
        NodeRecord n = References.node(state, ctx.pathParam("id"));
        Json.submit(state, new Command.RemoveNode(n.id(), clock.millis()));
        ctx.status(204);
    }

    private void showNode(Context ctx, UUID id) throws IOException {
        ctx.json(state.read(s -> {
            NodeRecord n = s.nodes().get(id);
            if (n == null) {
                throw new ApiError(404, "no node " + id);
            }
            return ViewMapper.node(s, n, false, spareFraction, state.liveness());
        }));
    }
}
