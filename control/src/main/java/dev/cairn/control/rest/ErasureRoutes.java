package dev.cairn.control.rest;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.BStoreRebuild;
import dev.cairn.control.api.Views;
import dev.cairn.control.erasure.PStoreLayouts;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.Limits;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.PStoreLayout;
import dev.cairn.control.model.Volume;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.ErasureViews;
import dev.cairn.control.state.Outcome;
import dev.cairn.control.state.ReplicatedState;
import dev.cairn.control.state.Secrets;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the routes do for erasure-coded volumes, whose PStore layouts are in the DKV: reserve their
 * keys with a volume's creation or growth, name their BStores when one is deleted, and tell nodes and agents
 * the BStores of the volumes whose creation is over.
 */
final class ErasureRoutes {
    private static final Logger log = LoggerFactory.getLogger(ErasureRoutes.class);

    private final ReplicatedState state;
    private final DkvRoutes dkv;
    private final PStoreLayouts layouts;

    ErasureRoutes(ReplicatedState state, DkvRoutes dkv, PStoreLayouts layouts) {
        this.state = state;
        this.dkv = dkv;
        this.layouts = layouts;
    }

    /** The layouts of the erasure-coded volumes the cache holds in full (no DKV read), by volume id. */
    Map<UUID, List<PStoreLayout>> cachedLayouts(ClusterState s) {
        return layouts.cached(s);
    }

    /**
     * The reservation of DKV keys for a new volume's PStores (the DKV adds shards where needed),
     * applied with the volume's creation or growth: a refused volume reserves nothing.
     */
    Command.ReserveDkvKeys reservation(int pstores) throws IOException {
        return dkv.reservation(pstores);
    }

    /** Submits a creation or growth carrying a reservation ({@link DkvRoutes#submitReserving}). */
    Outcome submitReserving(DkvRoutes.CommandMaker command) throws IOException {
        return dkv.submitReserving(command);
    }

    /**
     * The command that grows erasure-coded volume {@code v} to {@code sizeBytes}: ids and secrets
     * of the BStores of the PStores it adds, the reservation of DKV keys for their layouts, and the last
     * PStore's members read from the DKV when that PStore gains rows.
     */
    Command.ResizeVolume growth(Volume v, long sizeBytes, double spareFraction, long atMillis) throws IOException {
        ErasureLayout e = v.erasure().orElseThrow();
        if (e.growing().isPresent() || sizeBytes <= v.sizeBytes()) {
            return new Command.ResizeVolume(v.id().toString(), sizeBytes, spareFraction, atMillis);
        }
        int added = Math.toIntExact(Math.max(0, (sizeBytes + e.pstoreBytes() - 1) / e.pstoreBytes() - e.pstores()));
        long bstores = (long) added * e.code().width();
        if (bstores + (long) e.pstores() * e.code().width() > Limits.MAX_VOLUME_BSTORES) {
            throw ApiError.badRequest("volume '" + v.name() + "' of " + sizeBytes + " bytes would have "
                    + (bstores + (long) e.pstores() * e.code().width()) + " BStores, more than the "
                    + Limits.MAX_VOLUME_BSTORES + " one volume may have");
        }
        int last = e.pstores() - 1;
        List<ErasureLayout.BStorePlacement> lastMembers = List.of();
        if (e.bstoreBytes(last, sizeBytes) > e.bstoreBytes(last, v.sizeBytes())) {
            try {
                lastMembers = layouts.get(e.key(last)).members();
            } catch (IOException ex) {
                throw new ApiError(
                        503,
                        "cannot grow volume '" + v.name() + "' now: its last PStore's layout could not be read: "
                                + ex.getMessage() + ". Try again once the DKV answers");
            }
        }
        Command.ReserveDkvKeys reservation = added > 0 ? reservation(added) : null;
        List<UUID> extents = new ArrayList<>();
        List<String> secrets = new ArrayList<>();
        for (long i = 0; i < bstores; i++) {
            extents.add(UUID.randomUUID());
            secrets.add(Secrets.newSecret());
        }
        return new Command.ResizeVolume(
                v.id().toString(), sizeBytes, spareFraction, atMillis, extents, secrets, 0, lastMembers, reservation);
    }

    /** The BStores of a volume to be deleted, read from its layouts (none while it is still being created). */
    List<Command.Orphaned> bstoresOf(Volume v) {
        ErasureLayout e = v.erasure().orElseThrow();
        if (!e.stored()) {
            return List.of();
        }
        List<Command.Orphaned> out = new ArrayList<>();
        try {
            for (PStoreLayout p : layouts.of(e)) {
                p.members().forEach(b -> out.add(new Command.Orphaned(b.extentId(), b.nodeId(), p.bstoreBytes())));
            }
        } catch (IOException ex) {
            throw new ApiError(
                    503,
                    "cannot delete volume '" + v.name() + "' now: " + ex.getMessage()
                            + "; its BStores would be left behind. Try again once the DKV answers");
        }
        return out;
    }

    /** What a node is told of erasure-coded volumes: the BStores it holds, those it rebuilds. */
    record NodeShare(List<Views.DesiredExtent> extents, List<BStoreRebuild> rebuilds) {}

    /**
     * The BStores {@code node} holds for erasure-coded volumes whose creation is over, and the
     * rebuilds it runs into its new BStores.
     */
    NodeShare desiredOn(UUID node, List<Volume> volumes) {
        List<Views.DesiredExtent> out = new ArrayList<>();
        List<BStoreRebuild> rebuilds = new ArrayList<>();
        for (Volume v : volumes) {
            ErasureLayout e = v.erasure().orElseThrow();
            try {
                List<PStoreLayout> pstores = layouts.of(e);
                for (PStoreLayout p : pstores) {
                    out.addAll(ErasureViews.on(node, e, p));
                }
                for (ErasureLayout.Rebuild r : e.rebuilds()) {
                    if (r.replacement().nodeId().equals(node)) {
                        rebuilds.add(state.read(s -> ErasureViews.rebuild(s, v, r, pstores.get(r.pstore()))));
                    }
                }
            } catch (IOException ex) {
                // The node leaves alone what it is not told of: its BStores stay as they are.
                log.warn(
                        "volume {}: BStores not in node {}'s desired state this time: {}",
                        v.name(),
                        node,
                        ex.getMessage());
            }
        }
        return new NodeShare(out, rebuilds);
    }

    /**
     * A single volume's view with its PStores' BStores read from the DKV (an erasure-coded volume
     * whose creation is over); as it is otherwise, or when the DKV does not answer (then a problem
     * says so).
     */
    Views.VolumeView withLayouts(Views.VolumeView view) {
        if (view.erasure().isEmpty() || view.state() != Views.VolumeState.AVAILABLE) {
            return view;
        }
        Views.ErasureView e = view.erasure().get();
        List<String> problems = new ArrayList<>(view.problems());
        List<Views.PStoreView> pstores = new ArrayList<>();
        try {
            ErasureLayout layout =
                    state.read(s -> s.volumes().get(view.id()).erasure().orElseThrow());
            List<PStoreLayout> layouts = this.layouts.of(layout);
            state.read(s -> {
                for (PStoreLayout p : layouts) {
                    List<Views.BStoreView> bstores = new ArrayList<>();
                    for (int i = 0; i < p.members().size(); i++) {
                        ErasureLayout.BStorePlacement b = p.members().get(i);
                        NodeRecord n = s.nodes().get(b.nodeId());
                        bstores.add(new Views.BStoreView(
                                i,
                                i < layout.code().k() ? "data" : "parity",
                                b.extentId(),
                                b.nodeId(),
                                n == null ? "?" : n.name(),
                                n == null ? "UNKNOWN" : n.state().name(),
                                p.bstoreBytes()));
                    }
                    pstores.add(new Views.PStoreView(p.index(), bstores));
                }
                return null;
            });
        } catch (IOException | RuntimeException ex) {
            problems.add("its PStore layouts could not be read from the DKV: " + ex.getMessage());
        }
        return new Views.VolumeView(
                view.id(),
                view.name(),
                view.sizeBytes(),
                view.className(),
                view.state(),
                view.createdAt(),
                view.legs(),
                view.attachment(),
                view.resync(),
                view.health(),
                view.replicas(),
                problems,
                Optional.of(new Views.ErasureView(e.code(), e.pstores(), e.pstoreBytes(), e.chunkBytes(), pstores)),
                view.growing());
    }

    /** The attached volumes with the PStores of the erasure-coded ones read from the DKV. */
    List<AgentApi.AttachedVolume> withPStores(List<AgentApi.AttachedVolume> volumes) {
        List<AgentApi.AttachedVolume> out = new ArrayList<>();
        for (AgentApi.AttachedVolume a : volumes) {
            if (a.erasure().isEmpty()) {
                out.add(a);
                continue;
            }
            try {
                ErasureLayout e =
                        state.read(s -> s.volumes().get(a.volumeId()).erasure().orElseThrow());
                List<PStoreLayout> pstores = layouts.of(e);
                AgentApi.AttachedErasure full = state.read(
                        s -> ErasureViews.withPStores(s, e, a.erasure().get(), pstores));
                out.add(new AgentApi.AttachedVolume(
                        a.volumeId(),
                        a.name(),
                        a.sizeBytes(),
                        a.regionSizeBytes(),
                        a.generation(),
                        a.legs(),
                        Optional.of(full)));
            } catch (IOException | RuntimeException ex) {
                log.warn("volume {}: its PStores could not be read for its agent: {}", a.name(), ex.getMessage());
                out.add(a); // without PStores: the agent says it cannot serve it, and asks again
            }
        }
        return out;
    }
}
