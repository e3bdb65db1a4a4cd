package dev.cairn.control.state;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.Views;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegCopyProgress;
import dev.cairn.control.model.LegState;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.Volume;
import dev.cairn.control.model.VolumeState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Legs of detached volumes that their own nodes copy: with no agent serving a volume, nobody else
 * fills a new leg or catches up a leg that missed writes, so the node holding the leg does it,
 * reading the volume's other legs over NBD at the volume's current generation. Once the volume is
 * attached, the agent takes over (the node is fenced by the new generation, and its fill record
 * tells the agent where the copy got). Pure functions of the state.
 */
final class NodeCopies {
    private NodeCopies() {}

    /** The copies node {@code node} must make now. */
    static List<Views.LegCopy> forNode(ClusterState s, LegIndex index, UUID node) {
        List<Views.LegCopy> copies = new ArrayList<>();
        for (UUID extentId : index.desiredOn(node)) {
            Volume v = s.volumes().get(index.volumeOf(extentId));
            if (v == null || v.attachment().isPresent() || v.state() != VolumeState.AVAILABLE) {
                continue;
            }
            Optional<Leg> leg = v.leg(extentId);
            if (leg.isEmpty() || !needsCopy(leg.get())) {
                continue;
            }
            copies.add(new Views.LegCopy(
                    v.id(),
                    v.name(),
                    v.sizeBytes(),
                    s.classes().get(v.className()).regionSizeBytes(),
                    leg.get().generation(),
                    extentId,
                    leg.get().kept(),
                    openers(s, v)));
        }
        return copies;
    }

    /** Whether a made leg lacks writes: new (never in sync), kept, or known to have missed some. */
    private static boolean needsCopy(Leg leg) {
        return leg.state() == LegState.READY && (leg.awaitingSync() || leg.kept() || leg.behind());
    }

    /**
     * What opens each leg of {@code v} that exists (every leg but new ones whose node has not made
     * them yet): the node's address, the secret, the kept mark. The generation is the volume's.
     */
    static List<AgentApi.AttachedLeg> openers(ClusterState s, Volume v) {
        return v.legs().stream()
                .filter(l -> l.state() == LegState.READY || !l.awaitingSync())
                .map(l -> new AgentApi.AttachedLeg(
                        l.index(),
                        l.extentId(),
                        l.nodeId(),
                        nbdAddressOf(s, l.nodeId()),
                        l.extentSizeBytes(),
                        l.secret(),
                        l.kept()))
                .toList();
    }

    private static String nbdAddressOf(ClusterState s, UUID node) {
        NodeRecord n = s.nodes().get(node);
        return n == null ? "" : n.nbdAddress();
    }

    /**
     * A node reported its copies: every leg it says is DONE, at the generation of its volume (still
     * detached), holds every acknowledged write now (see {@link LegHealth#settle}).
     */
    static void onReports(ClusterState s, LegIndex index, List<LegCopyProgress> copies, long atMillis, long logIndex) {
        for (LegCopyProgress c : copies) {
            if (c.state() != LegCopyProgress.State.DONE || !index.desired(c.extentId())) {
                continue;
            }
            Volume v = s.volumes().get(index.volumeOf(c.extentId()));
            Optional<Leg> leg = v == null ? Optional.empty() : v.leg(c.extentId());
            if (leg.isEmpty() || v.attachment().isPresent() || leg.get().generation() != c.generation()) {
                continue; // stale: the volume was attached (or detached again) since
            }
            LegHealth.settle(s, index, v, Set.of(c.extentId()), atMillis, logIndex);
        }
    }
}
