package dev.cairn.control.state;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegLayout;
import dev.cairn.control.model.LegState;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.NodeState;
import dev.cairn.control.model.Orphan;
import dev.cairn.control.model.PStoreLayout;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import dev.cairn.control.placement.Rebalance;
import dev.cairn.control.placement.Sparing;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * One pass of the rebalance, as a pure function of the state: the cluster as {@link Rebalance}
 * sees it (the drives of online nodes not being drained, every leg on them), and the moves to start
 * now. Repairs come first: while any leg is missing, being filled or replaced, a node drained, a
 * BStore rebuilt or an orphan erased, the rebalance waits (the drives' reported usage is about to
 * change), and says why. Otherwise it starts the plan's first moves, at most one per volume and as
 * many per node as the repair syncs allow, and waits for them before it plans again.
 *
 * <p>Legs and BStores move (a BStore by a rebuild that keeps it in use until its replacement takes
 * its place); the DKV's KV volumes count towards their drives' fill but stay.
 */
public final class RebalancePlanner {
    /**
     * Moves planned at most in one outlook: a bound on the planner's work, not on the rebalance
     * (measured on 1,000 nodes of two drives and 100,000 legs: 0.4 s for 1,000 moves, 2.9 s for
     * 10,000; a pass starts only the first few).
     */
    public static final int MAX_PLANNED = 1_000;

    /** First syncs one node may take at once, and the configured spare fraction of every drive. */
    public record Settings(int maxSyncsPerNode, double spareFraction) {}

    /**
     * The cluster as the rebalance sees it now: the drives' spread, the spread it keeps within,
     * why it waits (if it does), and the plan it would follow.
     */
    public record Outlook(double spread, double threshold, Optional<String> waiting, Rebalance.Plan plan) {}

    private RebalancePlanner() {}

    /**
     * The outlook of {@code s}, its erasure-coded volumes' BStores among the items where {@code
     * layouts} holds their PStores' layouts (by volume id; a volume missing there keeps its BStores
     * where they are, counted in their drives' fill).
     */
    public static Outlook outlook(ClusterState s, double spareFraction, Map<UUID, List<PStoreLayout>> layouts) {
        double spare = Sparing.fraction(s, spareFraction);
        List<Rebalance.Drive> drives = drives(s, spare);
        List<Rebalance.Item> items = new ArrayList<>(items(s));
        items.addAll(RebalanceBStores.items(s, layouts));
        Rebalance.Plan plan = Rebalance.plan(drives, items, s.rebalance().spread(), MAX_PLANNED);
        return new Outlook(Rebalance.spread(drives), s.rebalance().spread(), waiting(s), plan);
    }

    /** The moves to start now (none while the rebalance waits): legs' moves and BStores' ({@link RebalanceBStores}). */
    public static List<Command> plan(
            ClusterState s,
            long now,
            Settings settings,
            Supplier<UUID> ids,
            Supplier<String> secrets,
            Map<UUID, List<PStoreLayout>> layouts) {
        Outlook o = outlook(s, settings.spareFraction(), layouts);
        if (o.waiting().isPresent() || o.plan().moves().isEmpty()) {
            return List.of();
        }
        double spare = Sparing.fraction(s, settings.spareFraction());
        Map<UUID, Integer> syncs = Repairs.syncsPerNode(s);
        Set<String> volumes = new HashSet<>();
        List<Command> out = new ArrayList<>();
        for (Rebalance.Move m : o.plan().moves()) {
            if (!volumes.add(RebalanceBStores.volumeOf(m.item()))) {
                continue; // one move of a volume at a time; a later pass plans the rest
            }
            if (syncs.getOrDefault(m.toNode(), 0) >= settings.maxSyncsPerNode()) {
                continue;
            }
            syncs.merge(m.toNode(), 1, Integer::sum);
            if (RebalanceBStores.isBStore(m.item())) {
                out.add(RebalanceBStores.move(s, m, layouts, ids.get(), secrets.get(), now));
                continue;
            }
            out.add(new Command.MoveLeg(
                    UUID.fromString(m.item().group()),
                    m.item().id(),
                    m.toDrive(),
                    ids.get(),
                    secrets.get(),
                    settings.maxSyncsPerNode(),
                    spare,
                    now));
        }
        return out;
    }

    /** Why no move may start now, if none may. */
    static Optional<String> waiting(ClusterState s) {
        if (s.rebalance().paused()) {
            return Optional.of("paused by the operator");
        }
        for (NodeRecord n : s.nodes().values()) {
            if (n.draining()) {
                return Optional.of("node " + n.name() + " is being drained");
            }
        }
        for (Volume v : s.volumes().values()) {
            for (Leg l : v.legs()) {
                if (l.missing().isPresent() || l.kept() || l.behind()) {
                    return Optional.of("volume " + v.name() + " is being repaired");
                }
                if (l.awaitingSync() || !l.staying()) {
                    return Optional.of("volume " + v.name() + " has a leg being filled");
                }
                NodeRecord n = s.nodes().get(l.nodeId());
                if (l.state() == LegState.CREATING && (n == null || !n.extents().containsKey(l.extentId()))) {
                    return Optional.of("volume " + v.name() + " is being created");
                }
            }
            Optional<ErasureLayout> e = v.erasure();
            if (e.isPresent() && (!e.get().stored() || !e.get().rebuilds().isEmpty())) {
                return Optional.of("volume " + v.name() + " is being created or reprotected");
            }
        }
        // Only orphans their node erases, or will once an agent has left them (a move's old BStore):
        // one kept for an operator to judge stays, and must not hold the rebalance back.
        List<Orphan> freeing = s.orphans().values().stream()
                .filter(o -> o.erase() || o.heldBy().isPresent())
                .filter(o -> {
                    NodeRecord n = s.nodes().get(o.nodeId());
                    return n != null && n.state() == NodeState.ONLINE;
                })
                .toList();
        if (freeing.stream().anyMatch(Orphan::erase)) {
            return Optional.of("orphans are being erased");
        }
        return freeing.isEmpty()
                ? Optional.empty()
                : Optional.of("a moved BStore is still used by its volume's agent, until it switches to the new one");
    }

    static List<Rebalance.Drive> drives(ClusterState s, double spare) {
        List<Rebalance.Drive> out = new ArrayList<>();
        for (NodeRecord n : s.nodes().values()) {
            if (n.state() != NodeState.ONLINE || n.draining()) {
                continue;
            }
            for (DriveState d : n.drives()) {
                if (d.dataBytes() > 0) {
                    long room = d.freeBytes() - (long) (d.dataBytes() * spare);
                    out.add(new Rebalance.Drive(d.id(), n.id(), n.labels(), d.dataBytes(), d.usedBytes(), room));
                }
            }
        }
        return out;
    }

    /** Every leg, each a member of its volume's group; those in sync may move. */
    private static List<Rebalance.Item> items(ClusterState s) {
        List<Rebalance.Item> out = new ArrayList<>();
        Map<UUID, NodeRecord> nodes = new HashMap<>(s.nodes());
        for (Volume v : s.volumes().values()) {
            StorageClass sc = s.classes().get(v.className());
            if (sc == null || v.legs().isEmpty()) {
                continue;
            }
            for (Leg l : v.legs()) {
                NodeRecord n = nodes.get(l.nodeId());
                String domain = n == null ? null : n.label(sc.spreadAcross());
                out.add(new Rebalance.Item(
                        l.extentId(),
                        v.id().toString(),
                        l.nodeId(),
                        l.driveId(),
                        LegLayout.allocatedBytes(l.extentSizeBytes()),
                        sc.spreadAcross(),
                        domain,
                        l.staying() && Repairs.inSync(v, l)));
            }
        }
        return out;
    }
}
