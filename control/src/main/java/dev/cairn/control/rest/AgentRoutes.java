package dev.cairn.control.rest;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.model.AgentRecord;
import dev.cairn.control.model.LegSync;
import dev.cairn.control.model.Limits;
import dev.cairn.control.model.Volume;
import dev.cairn.control.model.VolumeReport;
import dev.cairn.control.model.VolumeState;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.Liveness;
import dev.cairn.control.state.Outcome;
import dev.cairn.control.state.ReplicatedState;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Client agents and attachments: what agents call (heartbeat, long-poll the volumes attached to
 * their host) and what the operator calls (attach, detach, list the agents).
 */
final class AgentRoutes {
    private static final AgentApi.ResyncReport NO_RESYNC = new AgentApi.ResyncReport(0, 0, 0, 0);

    private final ReplicatedState state;
    private final InstantSource clock;
    private final long syncBytesPerSecond;

    private final ErasureRoutes erasure;

    AgentRoutes(ReplicatedState state, InstantSource clock, long syncBytesPerSecond, ErasureRoutes erasure) {
        this.erasure = erasure;
        this.state = state;
        this.clock = clock;
        this.syncBytesPerSecond = syncBytesPerSecond;
    }

    void heartbeat(Context ctx) throws IOException {
        String host = host(ctx.pathParam("host"));
        AgentApi.AgentHeartbeat r = Json.body(ctx, AgentApi.AgentHeartbeat.class);
        Json.require(r.nbdAddress(), "nbdAddress");
        List<AgentApi.VolumeReport> volumes = r.volumes() == null ? List.of() : r.volumes();
        Json.atMost(volumes.size(), Limits.MAX_AGENT_VOLUMES, "volumes");
        List<VolumeReport> reports = new ArrayList<>();
        for (AgentApi.VolumeReport v : volumes) {
            reports.add(report(v));
        }
        long now = clock.millis();
        Json.heartbeat(
                state, new Command.AgentHeartbeat(host, r.nbdAddress(), reports, now), Liveness.Heard.agent(host, now));
        ctx.status(204);
    }

    private static VolumeReport report(AgentApi.VolumeReport v) {
        Json.require(v, "a volume report");
        UUID volume = Json.uuid(v.volumeId(), "volume id");
        Json.require(v.legs(), "legs");
        Json.atMost(v.legs().size(), Limits.MAX_REPORTED_LEGS, "legs of volume " + volume);
        SortedMap<UUID, LegSync> legs = new TreeMap<>();
        for (AgentApi.LegReport l : v.legs()) {
            Json.require(l, "a leg report");
            Json.require(l.state(), "leg state");
            legs.put(
                    Json.uuid(l.extentId(), "extent id"),
                    new LegSync(l.state(), l.error() == null ? Optional.empty() : l.error()));
        }
        AgentApi.ResyncReport resync = v.resync() == null ? NO_RESYNC : v.resync();
        if (resync.doneBytes() < 0
                || resync.totalBytes() < 0
                || resync.bytesPerSecond() < 0
                || resync.copiedBytes() < 0) {
            throw ApiError.badRequest("resync of volume " + volume + " has a negative figure: " + resync);
        }
        return new VolumeReport(volume, v.generation(), legs, resync);
    }

    /** GET desired?after=N&waitMillis=M: returns when the attachments changed after N, or after M ms. */
    void desired(Context ctx) throws IOException, InterruptedException {
        String host = host(ctx.pathParam("host"));
        long after = Json.longParam(ctx, "after", -1);
        Duration wait =
                Duration.ofMillis(Math.clamp(Json.longParam(ctx, "waitMillis", 0), 0, NodeRoutes.MAX_WAIT.toMillis()));
        AgentApi.AgentDesiredView d = state.awaitAgentDesired(host, after, wait);
        ctx.json(new AgentApi.AgentDesiredView(
                d.appliedIndex(), d.changedAt(), erasure.withPStores(d.volumes()), syncBytesPerSecond));
    }

    void attach(Context ctx) throws IOException {
        AgentApi.Attach r = Json.body(ctx, AgentApi.Attach.class);
        Json.require(r.host(), "host");
        String host = host(r.host());
        String volume = ctx.pathParam("volume");
        Volume v = References.volume(state, volume);
        if (v.state() != VolumeState.AVAILABLE) {
            throw new ApiError(409, "volume '" + v.name() + "' is " + v.state() + ": not every leg exists yet");
        }
        References.agent(state, host);
        Outcome o = Json.submit(
                state, new Command.AttachVolume(volume, host, Boolean.TRUE.equals(r.force()), clock.millis()));
        showVolume(ctx, o, "attached to host '" + host + "'");
    }

    /** Takes no body (one is ignored). */
    void detach(Context ctx) throws IOException {
        String volume = ctx.pathParam("volume");
        References.volume(state, volume);
        Outcome o = Json.submit(state, new Command.DetachVolume(volume, clock.millis()));
        showVolume(ctx, o, "detached");
    }

    private void showVolume(Context ctx, Outcome o, String what) throws IOException {
        UUID id = UUID.fromString(o.id().orElseThrow());
        ctx.json(References.changedVolume(state, id, "the volume was " + what));
    }

    void listAgents(Context ctx) throws IOException {
        ctx.json(state.read(s -> ViewMapper.agents(s, state.liveness())));
    }

    private static String host(String text) {
        try {
            AgentRecord.checkHost(text);
            return text;
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
    }
}
