package dev.cairn.control.state;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.BStoreRebuild;
import dev.cairn.control.api.Views;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.PStoreLayout;
import dev.cairn.control.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** What nodes and agents are told of erasure-coded volumes' BStores. */
public final class ErasureViews {
    private ErasureViews() {}

    /**
     * The BStore {@code extentId} of a volume being created, if it is one of its layout's pending
     * ones, of a PStore its growth adds, or the replacement of a BStore being rebuilt.
     */
    static List<Views.DesiredExtent> pendingOn(ErasureLayout e, UUID extentId) {
        List<Views.DesiredExtent> out = new ArrayList<>();
        List<ErasureLayout.PStorePlacement> placed = new ArrayList<>(e.pending());
        e.growing().ifPresent(g -> placed.addAll(g.added()));
        for (ErasureLayout.PStorePlacement p : placed) {
            for (ErasureLayout.BStorePlacement b : p.members()) {
                if (b.extentId().equals(extentId)) {
                    out.add(desired(b, p.bstoreBytes(), e.generation()));
                }
            }
        }
        for (ErasureLayout.Rebuild r : e.rebuilds()) {
            if (r.replacement().extentId().equals(extentId)) {
                out.add(desired(r.replacement(), r.bstoreBytes(), e.generation()));
            }
        }
        return out;
    }

    /**
     * The BStores of PStore {@code layout} of {@code e} that {@code node} holds, at the volume's
     * generation: as large as the layout says, or as the volume's growth wants the last PStore's.
     */
    public static List<Views.DesiredExtent> on(UUID node, ErasureLayout e, PStoreLayout layout) {
        long bytes = e.growing()
                .filter(g -> layout.index() == e.pstores() - 1)
                .map(g -> Math.max(g.lastBStoreBytes(), layout.bstoreBytes()))
                .orElse(layout.bstoreBytes());
        return layout.members().stream()
                .filter(b -> b.nodeId().equals(node))
                .map(b -> desired(b, bytes, e.generation()))
                .toList();
    }

    private static Views.DesiredExtent desired(ErasureLayout.BStorePlacement b, long bytes, long generation) {
        return new Views.DesiredExtent(
                b.extentId(), b.driveId(), bytes, generation, b.secret(), Views.ExtentKind.BSTORE);
    }

    /** The geometry of a volume's layout, for its agent, without its PStores (the DKV holds those). */
    static AgentApi.AttachedErasure geometry(ErasureLayout e) {
        return new AgentApi.AttachedErasure(
                e.code().k(),
                e.code().m(),
                e.chunkBytes(),
                e.pstoreBytes(),
                e.regionRows(),
                e.headerBytes(),
                List.of());
    }

    /**
     * The geometry with the PStores read from the DKV, each BStore with what opens it; a BStore
     * being rebuilt is marked kept (the agent leaves it and writes around it until its replacement
     * is filled and named in its place), or moving, if it moves off a node being drained (the agent
     * keeps it in use meanwhile).
     */
    public static AgentApi.AttachedErasure withPStores(
            ClusterState s, ErasureLayout e, AgentApi.AttachedErasure geometry, List<PStoreLayout> layouts) {
        List<List<AgentApi.AttachedLeg>> pstores = new ArrayList<>();
        for (PStoreLayout layout : layouts) {
            pstores.add(openers(s, e, layout));
        }
        return new AgentApi.AttachedErasure(
                geometry.k(),
                geometry.m(),
                geometry.chunkBytes(),
                geometry.pstoreBytes(),
                geometry.regionRows(),
                geometry.headerBytes(),
                pstores);
    }

    /** Each BStore of {@code layout} with what opens it, kept if it is being rebuilt. */
    private static List<AgentApi.AttachedLeg> openers(ClusterState s, ErasureLayout e, PStoreLayout layout) {
        List<AgentApi.AttachedLeg> members = new ArrayList<>();
        for (int i = 0; i < layout.members().size(); i++) {
            ErasureLayout.BStorePlacement b = layout.members().get(i);
            NodeRecord n = s.nodes().get(b.nodeId());
            members.add(new AgentApi.AttachedLeg(
                    i,
                    b.extentId(),
                    b.nodeId(),
                    n == null ? "" : n.nbdAddress(),
                    layout.bstoreBytes(),
                    b.secret(),
                    e.rebuildOf(layout.index(), i).filter(r -> !r.move()).isPresent(),
                    e.rebuildOf(layout.index(), i)
                            .filter(ErasureLayout.Rebuild::move)
                            .isPresent()));
        }
        return members;
    }

    /**
     * What the node rebuilding {@code r} (of volume {@code v}, PStore {@code layout}) is told: the
     * same until the rebuild ends, even once the layout names the new BStore (the restriper writes
     * the layout, then logs the rebuild's end), so that a finished rebuild is not started again.
     */
    public static BStoreRebuild rebuild(ClusterState s, Volume v, ErasureLayout.Rebuild r, PStoreLayout layout) {
        ErasureLayout e = v.erasure().orElseThrow();
        List<ErasureLayout.BStorePlacement> members = new ArrayList<>(layout.members());
        members.set(r.member(), r.old());
        PStoreLayout asBefore = new PStoreLayout(layout.volumeId(), layout.index(), layout.bstoreBytes(), members);
        return new BStoreRebuild(
                v.id(),
                v.name(),
                r.pstore(),
                r.member(),
                r.replacement().extentId(),
                e.generation(),
                v.attachment().isPresent(),
                e.code().k(),
                e.code().m(),
                e.chunkBytes(),
                e.rows(r.pstore(), v.sizeBytes()),
                e.headerBytes(),
                e.regionRows(),
                openers(s, e, asBefore),
                r.sources());
    }
}
