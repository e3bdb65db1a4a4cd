package dev.cairn.control.rest;

import dev.cairn.control.api.Label;
import dev.cairn.control.api.Requests;
import dev.cairn.control.api.Views;
import dev.cairn.control.model.ErasureCode;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.Limits;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.Orphan;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.Outcome;
import dev.cairn.control.state.ReplicatedState;
import io.javalin.http.Context;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** The operator's API: nodes, storage classes, volumes, orphans, cluster status. */
final class AdminRoutes {
    private final ReplicatedState state;
    private final InstantSource clock;
    private final double spareFraction;
    private final ErasureRoutes erasure;
    private final SecureRandom random = new SecureRandom();

    AdminRoutes(ReplicatedState state, InstantSource clock, double spareFraction, ErasureRoutes erasure) {
        this.state = state;
        this.clock = clock;
        this.spareFraction = spareFraction;
        this.erasure = erasure;
    }

    void listNodes(Context ctx) throws IOException {
        ctx.json(state.read(s -> s.nodes().values().stream()
                .map(n -> ViewMapper.node(s, n, false, spareFraction, state.liveness()))
                .toList()));
    }

    void showNode(Context ctx) throws IOException {
        showNode(ctx, References.node(state, ctx.pathParam("id")).id());
    }

    private void showNode(Context ctx, UUID id) throws IOException {
        ctx.json(state.read(s -> {
            NodeRecord n = s.nodes().get(id);
            if (n == null) {
                throw new ApiError(404, "no node " + id);
            }
            return ViewMapper.node(s, n, true, spareFraction, state.liveness());
        }));
    }

    void labelNode(Context ctx) throws IOException {
        NodeRecord n = References.node(state, ctx.pathParam("id"));
        UUID id = n.id();
        Requests.Labels r = Json.body(ctx, Requests.Labels.class);
        Map<String, String> set = r.set() == null ? Map.of() : r.set();
        List<String> remove = r.remove() == null ? List.of() : r.remove();
        Json.atMost(set.size(), Limits.MAX_LABELS, "labels to set");
        Json.atMost(remove.size(), Limits.MAX_LABELS, "labels to remove");
        try {
            set.forEach(Label::new);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
        if (remove.contains("host")) {
            throw ApiError.badRequest("'host' is implicit and cannot be removed (set it to another value)");
        }
        for (String key : remove) {
            if (!n.labels().containsKey(key) && !set.containsKey(key)) {
                throw new ApiError(404, "node " + n.name() + " has no label '" + key + "'");
            }
        }
        Json.submit(state, new Command.SetNodeLabels(id, set, remove));
        showNode(ctx, id);
    }

    void listClasses(Context ctx) throws IOException {
        ctx.json(state.read(
                s -> s.classes().values().stream().map(ViewMapper::storageClass).toList()));
    }

    void showClass(Context ctx) throws IOException {
        String name = ctx.pathParam("name");
        ctx.json(state.read(s -> Optional.ofNullable(s.classes().get(name))
                .map(ViewMapper::storageClass)
                .orElseThrow(() -> new ApiError(404, "no storage class '" + name + "'"))));
    }

    void createClass(Context ctx) throws IOException {
        Requests.CreateClass r = Json.body(ctx, Requests.CreateClass.class);
        Json.require(r.name(), "name");
        if (r.ec() == null) {
            Json.require(r.replicas(), "replicas");
        } else if (r.replicas() != null) {
            throw ApiError.badRequest(
                    "a class has replicas or ec, not both (replicas " + r.replicas() + ", ec " + r.ec() + ")");
        }
        Json.require(r.spreadAcross(), "spreadAcross");
        StorageClass sc;
        try {
            sc = new StorageClass(
                    r.name(),
                    r.ec() == null ? r.replicas() : 0,
                    r.spreadAcross(),
                    r.prefer() == null ? Optional.empty() : Optional.of(Label.parse(r.prefer())),
                    r.repairTimeout() == null ? Duration.ofMinutes(10) : Duration.parse(r.repairTimeout()),
                    r.regionSizeBytes() == null ? StorageClass.DEFAULT_REGION_BYTES : r.regionSizeBytes(),
                    false,
                    r.ec() == null ? Optional.empty() : Optional.of(ErasureCode.parse(r.ec())),
                    Boolean.TRUE.equals(r.spareNode()));
        } catch (DateTimeParseException | ArithmeticException e) {
            throw ApiError.badRequest("repairTimeout '" + r.repairTimeout() + "' is not an ISO-8601 duration (PT10M)");
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
        if (state.read(s -> s.classes().containsKey(sc.name()))) {
            throw new ApiError(409, "storage class '" + sc.name() + "' already exists");
        }
        Json.submit(state, new Command.CreateClass(sc));
        ctx.status(201).json(ViewMapper.storageClass(sc));
    }

    void deleteClass(Context ctx) throws IOException {
        StorageClass sc = References.storageClass(state, ctx.pathParam("name"));
        if (sc.builtIn()) {
            throw ApiError.badRequest("'" + sc.name() + "' is a built-in class and stays");
        }
        Json.submit(state, new Command.DeleteClass(sc.name()));
        ctx.status(204);
    }

    void listVolumes(Context ctx) throws IOException {
        ctx.json(state.read(s ->
                s.volumes().values().stream().map(v -> ViewMapper.volume(s, v)).toList()));
    }

    void showVolume(Context ctx) throws IOException {
        String key = ctx.pathParam("volume");
        Views.VolumeView view = state.read(s -> s.volume(key)
                .map(v -> ViewMapper.volume(s, v))
                .orElseThrow(() -> new ApiError(404, "no volume '" + key + "'")));
        ctx.json(erasure.withLayouts(view));
    }

    void createVolume(Context ctx) throws IOException {
        Requests.CreateVolume r = Json.body(ctx, Requests.CreateVolume.class);
        Json.require(r.name(), "name");
        Json.require(r.sizeBytes(), "sizeBytes");
        Json.require(r.className(), "class");
        try {
            Volume.checkName(r.name());
            Volume.checkSize(r.sizeBytes());
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
        StorageClass sc = References.storageClass(state, r.className());
        if (state.read(s -> s.volumeNamed(r.name()).isPresent())) {
            throw new ApiError(409, "a volume named '" + r.name() + "' already exists");
        }
        int legs = sc.replicas();
        int pstores = 0;
        if (sc.erasure().isPresent()) {
            pstores = ErasureLayout.forVolume(sc.erasure().get(), r.sizeBytes(), sc.regionSizeBytes(), 0)
                    .pstores();
            legs = pstores * sc.width();
            if (legs > Limits.MAX_VOLUME_BSTORES) {
                throw ApiError.badRequest("volume size " + r.sizeBytes() + " in class " + sc.name() + " needs " + legs
                        + " BStores, more than the " + Limits.MAX_VOLUME_BSTORES + " one volume may have");
            }
        }
        List<UUID> extents = new ArrayList<>();
        List<String> secrets = new ArrayList<>();
        for (int i = 0; i < legs; i++) {
            extents.add(UUID.randomUUID());
            byte[] secret = new byte[24];
            random.nextBytes(secret);
            secrets.add(HexFormat.of().formatHex(secret));
        }
        UUID volumeId = UUID.randomUUID();
        int keys = pstores;
        // An erasure-coded volume's DKV keys are reserved with its creation: a refused one reserves none.
        Outcome o = erasure.submitReserving(() -> new Command.CreateVolume(
                volumeId,
                r.name(),
                r.sizeBytes(),
                r.className(),
                extents,
                secrets,
                spareFraction,
                clock.millis(),
                0,
                keys > 0 ? erasure.reservation(keys) : null));
        UUID id = UUID.fromString(o.id().orElseThrow());
        ctx.status(201).json(References.changedVolume(state, id, "volume '" + r.name() + "' was created"));
    }

    void deleteVolume(Context ctx) throws IOException {
        String volume = ctx.pathParam("volume");
        Volume v = References.volume(state, volume);
        List<Command.Orphaned> bstores = v.erasure().isPresent() ? erasure.bstoresOf(v) : List.of();
        Json.submit(state, new Command.DeleteVolume(volume, clock.millis(), bstores));
        ctx.status(204);
    }

    void listOrphans(Context ctx) throws IOException {
        ctx.json(state.read(s ->
                s.orphans().values().stream().map(o -> ViewMapper.orphan(s, o)).toList()));
    }

    /** Asks the node holding an orphan to erase it (for one the controller never knew). */
    void eraseOrphan(Context ctx) throws IOException {
        UUID id = Json.uuid(ctx.pathParam("extent"), "extent id");
        Orphan before = References.orphan(state, id);
        Json.submit(state, new Command.EraseOrphan(id, clock.millis()));
        // Gone already (its node reported it erased): what was asked for is done.
        ctx.status(202).json(state.read(s -> {
            Orphan now = s.orphans().get(id);
            return ViewMapper.orphan(
                    s, now != null ? now : before.erasable(before.sinceMillis(), 0, "erase requested by the operator"));
        }));
    }

    void cluster(Context ctx) throws IOException {
        List<ReplicatedState.Peer> peers = state.peers();
        ctx.json(
                state.read(s -> ViewMapper.cluster(s, state.peerId(), peers, spareFraction, erasure.cachedLayouts(s))));
    }
}
