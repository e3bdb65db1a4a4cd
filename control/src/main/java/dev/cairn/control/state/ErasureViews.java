package dev.cairn.control.state;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.Views;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.PStoreLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** What nodes and agents are told of erasure-coded volumes' BStores. */
public final class ErasureViews {
    private ErasureViews() {}

    /** The BStore {@code extentId} of a volume being created, if it is one of its layout's pending ones. */
    static List<Views.DesiredExtent> pendingOn(ErasureLayout e, UUID extentId) {
        List<Views.DesiredExtent> out = new ArrayList<>();
        for (ErasureLayout.PStorePlacement p : e.pending()) {
            for (ErasureLayout.BStorePlacement b : p.members()) {
                if (b.extentId().equals(extentId)) {
                    out.add(desired(b, p.bstoreBytes(), e.generation()));
                }
            }
        }
        return out;
    }

    /** The BStores of PStore {@code layout} that {@code node} holds, at the volume's generation. */
    public static List<Views.DesiredExtent> on(UUID node, PStoreLayout layout, long generation) {
        return layout.members().stream()
                .filter(b -> b.nodeId().equals(node))
                .map(b -> desired(b, layout.bstoreBytes(), generation))
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

    /** The geometry with the PStores read from the DKV, each BStore with what opens it. */
    public static AgentApi.AttachedErasure withPStores(
            ClusterState s, AgentApi.AttachedErasure geometry, List<PStoreLayout> layouts) {
        List<List<AgentApi.AttachedLeg>> pstores = new ArrayList<>();
        for (PStoreLayout layout : layouts) {
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
                        false));
            }
            pstores.add(members);
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
}
