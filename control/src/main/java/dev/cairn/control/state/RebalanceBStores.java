package dev.cairn.control.state;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.LegLayout;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.NodeState;
import dev.cairn.control.model.PStoreLayout;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import dev.cairn.control.placement.Rebalance;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The rebalance's BStores: each BStore of an erasure-coded volume is an item of its PStore's group
 * (group {@code VOLUME-ID/PSTORE}: its members on distinct nodes and values of the class's spread
 * label), movable while its volume is neither growing nor having BStores rebuilt; a move is a
 * rebuild marked move (the BStore stays in use until its replacement, filled by its node, takes its
 * place; then it is an orphan), as a drain's.
 */
final class RebalanceBStores {
    private RebalanceBStores() {}

    /** The BStores of the volumes whose layouts {@code layouts} holds (by volume id). */
    static List<Rebalance.Item> items(ClusterState s, Map<UUID, List<PStoreLayout>> layouts) {
        List<Rebalance.Item> out = new ArrayList<>();
        for (Map.Entry<UUID, List<PStoreLayout>> entry : layouts.entrySet()) {
            Volume v = s.volumes().get(entry.getKey());
            ErasureLayout e = v == null ? null : v.erasure().orElse(null);
            StorageClass sc = v == null ? null : s.classes().get(v.className());
            if (e == null || sc == null || !e.stored() || entry.getValue().size() != e.pstores()) {
                continue;
            }
            boolean still = e.growing().isPresent() || !e.rebuilds().isEmpty();
            for (PStoreLayout p : entry.getValue()) {
                for (ErasureLayout.BStorePlacement b : p.members()) {
                    NodeRecord n = s.nodes().get(b.nodeId());
                    out.add(new Rebalance.Item(
                            b.extentId(),
                            v.id() + "/" + p.index(),
                            b.nodeId(),
                            b.driveId(),
                            LegLayout.allocatedBytes(p.bstoreBytes()),
                            sc.spreadAcross(),
                            n == null ? null : n.label(sc.spreadAcross()),
                            !still && n != null && n.state() == NodeState.ONLINE && !n.draining()));
                }
            }
        }
        return out;
    }

    static boolean isBStore(Rebalance.Item item) {
        return item.group().indexOf('/') > 0;
    }

    /** The volume (its id, as text) an item belongs to: a leg's group, or a BStore's PStore's volume. */
    static String volumeOf(Rebalance.Item item) {
        int slash = item.group().indexOf('/');
        return slash > 0 ? item.group().substring(0, slash) : item.group();
    }

    /**
     * The command that starts move {@code m} of a BStore: a rebuild marked move into a new BStore
     * ({@code extentId}, {@code secret}) on the move's drive, reading the PStore's other members.
     */
    static Command move(
            ClusterState s,
            Rebalance.Move m,
            Map<UUID, List<PStoreLayout>> layouts,
            UUID extentId,
            String secret,
            long now) {
        UUID volume = UUID.fromString(volumeOf(m.item()));
        int pstore =
                Integer.parseInt(m.item().group().substring(m.item().group().indexOf('/') + 1));
        PStoreLayout p = layouts.get(volume).get(pstore);
        int member = -1;
        for (int i = 0; i < p.members().size(); i++) {
            if (p.members().get(i).extentId().equals(m.item().id())) {
                member = i;
            }
        }
        int k = s.volumes().get(volume).erasure().orElseThrow().code().k();
        List<Integer> sources = new ArrayList<>();
        for (int i = 0; i < p.members().size() && sources.size() < k; i++) {
            if (i != member) {
                sources.add(i);
            }
        }
        ErasureLayout.Rebuild r = new ErasureLayout.Rebuild(
                pstore,
                member,
                p.bstoreBytes(),
                p.members().get(member),
                new ErasureLayout.BStorePlacement(m.toNode(), m.toDrive(), extentId, secret),
                now,
                sources,
                true);
        return new Command.ReprotectBStores(volume, List.of(r), now, true);
    }
}
