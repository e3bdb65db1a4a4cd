package dev.cairn.control.state;

import static dev.cairn.control.state.Outcome.Status.CONFLICT;
import static dev.cairn.control.state.Outcome.Status.NOT_FOUND;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.NodeState;
import dev.cairn.control.model.Orphan;
import dev.cairn.control.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The operator removes a node from the cluster (decommission): only once it holds nothing a volume
 * or the DKV needs (its legs drained or repaired away, its BStores rebuilt elsewhere, its KV volumes
 * moved) and is offline (its daemon stopped: a running node would register again). What it still
 * held as orphans goes with it, never to be erased by the controller: a disk that comes back is a
 * new node's, whose unknown extents are kept for an operator to judge.
 */
public final class NodeRemoval {
    private NodeRemoval() {}

    static Outcome remove(ClusterState s, LegIndex index, Command.RemoveNode c, long logIndex) {
        NodeRecord n = s.nodes().get(c.nodeId());
        if (n == null) {
            return Outcome.refused(NOT_FOUND, "no node " + c.nodeId());
        }
        List<String> holds = holdings(s, n.id());
        if (!holds.isEmpty()) {
            return Outcome.refused(
                    CONFLICT,
                    "node " + n.name() + " still holds " + String.join("; ", holds)
                            + (n.draining() ? "" : ": drain it first (node drain " + n.name() + ")"));
        }
        if (n.state() == NodeState.ONLINE) {
            return Outcome.refused(
                    CONFLICT,
                    "node " + n.name() + " is online: stop its daemon first (a running node registers again), and"
                            + " remove it once the controller marks it offline");
        }
        List<UUID> orphans = s.orphans().values().stream()
                .filter(o -> o.nodeId().equals(n.id()))
                .map(Orphan::extentId)
                .toList();
        orphans.forEach(s.orphans()::remove);
        s.nodes().remove(n.id());
        index.touch(n.id(), logIndex);
        return Outcome.ok(n.id().toString());
    }

    /** What node {@code id} holds that a volume or the DKV needs, one phrase per kind. */
    public static List<String> holdings(ClusterState s, UUID id) {
        Set<String> legs = new TreeSet<>();
        Set<String> bstores = new TreeSet<>();
        for (Volume v : s.volumes().values()) {
            for (Leg l : v.legs()) {
                if (l.nodeId().equals(id)) {
                    legs.add(v.name());
                }
            }
            if (v.erasure().filter(e -> holdsBStoresOf(e, id)).isPresent()) {
                bstores.add(v.name());
            }
        }
        Set<Integer> shards = new TreeSet<>();
        for (DkvLayout.Shard shard : s.dkv().shards()) {
            if (shard.mirrors().stream().anyMatch(m -> m.nodeId().equals(id))
                    || shard.retired().stream().anyMatch(m -> m.nodeId().equals(id))) {
                shards.add(shard.index());
            }
        }
        Set<String> switching = new TreeSet<>();
        for (Orphan o : s.orphans().values()) {
            if (o.nodeId().equals(id)) {
                o.heldBy().map(s.volumes()::get).ifPresent(v -> switching.add(v.name()));
            }
        }
        List<String> out = new ArrayList<>();
        if (!legs.isEmpty()) {
            out.add("legs of " + named("volume", legs));
        }
        if (!bstores.isEmpty()) {
            out.add("BStores of erasure-coded " + named("volume", bstores)
                    + " (they move off a drained node, or are rebuilt elsewhere once it is offline past their"
                    + " class's repair timeout)");
        }
        if (!switching.isEmpty()) {
            out.add("moved BStores of " + named("volume", switching) + " that their agent still uses (it leaves"
                    + " them once it has switched to the new ones)");
        }
        if (!shards.isEmpty()) {
            out.add("KV volumes of DKV " + named("shard", shards) + " (they move off a drained node one by one)");
        }
        return out;
    }

    /** Whether node {@code id} holds BStores of a volume of layout {@code e}, or is to. */
    public static boolean holdsBStoresOf(ErasureLayout e, UUID id) {
        return e.nodes().contains(id)
                || e.pending().stream()
                        .anyMatch(p ->
                                p.members().stream().anyMatch(b -> b.nodeId().equals(id)))
                || e.growing().stream()
                        .flatMap(g -> g.added().stream())
                        .anyMatch(p ->
                                p.members().stream().anyMatch(b -> b.nodeId().equals(id)))
                || e.rebuilds().stream().anyMatch(r -> r.replacement().nodeId().equals(id));
    }

    private static String named(String noun, Set<?> names) {
        List<String> all = names.stream().map(Object::toString).toList();
        String list = all.size() <= 5
                ? String.join(", ", all)
                : String.join(", ", all.subList(0, 5)) + " and " + (all.size() - 5) + " more";
        return noun + (all.size() == 1 ? " " : "s ") + list;
    }
}
