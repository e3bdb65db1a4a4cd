package dev.cairn.control.state;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.ObservedExtent;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * What the DKV needs next, read from the state alone (the DKV loop and the reservation route ask;
 * a new leader asks again and carries on): the KV volumes a reservation adds, a fresh mirror for
 * each one whose node left, and which shards can be recovered now.
 */
public final class DkvPlanner {
    private DkvPlanner() {}

    /** A reservation of {@code keys} more keys, with ids and secrets for the KV volumes it adds now. */
    public static Command.ReserveDkvKeys reserve(
            ClusterState s,
            long keys,
            Command.DkvPlacement placement,
            Supplier<UUID> ids,
            Supplier<String> secrets,
            long now) {
        long volumes = Math.min(s.dkv().shardsToAdd(keys), DkvLayout.MAX_SHARDS_PER_RESERVATION) * placement.mirrors();
        List<UUID> extentIds = new ArrayList<>();
        List<String> keysToOpen = new ArrayList<>();
        for (long i = 0; i < volumes; i++) {
            extentIds.add(ids.get());
            keysToOpen.add(secrets.get());
        }
        return new Command.ReserveDkvKeys(keys, extentIds, keysToOpen, placement, now);
    }

    /**
     * The changes the DKV needs: for each shard, one mirror whose node or drive is away replaced, if
     * another mirror of the shard is ready and present. (The DKV's first shard comes with its
     * first reservation: a cluster whose volumes need no DKV keeps its drives whole.)
     */
    public static List<Command> plan(
            ClusterState s, Command.DkvPlacement placement, Supplier<UUID> ids, Supplier<String> secrets, long now) {
        List<Command> plan = new ArrayList<>();
        for (DkvLayout.Shard shard : s.dkv().shards()) {
            boolean source = shard.mirrors().stream().anyMatch(m -> m.ready() && present(s, m));
            shard.mirrors().stream()
                    .filter(m -> !present(s, m))
                    .findFirst()
                    .filter(m -> source)
                    .ifPresent(m -> plan.add(new Command.ReplaceDkvMirror(
                            shard.index(), m.extentId(), ids.get(), secrets.get(), placement, now)));
        }
        return plan;
    }

    /**
     * The shards that can be recovered now: a mirror is not ready, and every mirror's node is online
     * and serves it at the current epoch (so no client of an older layout can write any of them).
     */
    public static List<Integer> recoverable(ClusterState s) {
        DkvLayout d = s.dkv();
        return d.shards().stream()
                .filter(DkvLayout.Shard::recovering)
                .filter(shard -> shard.mirrors().stream().allMatch(m -> servedAtEpoch(s, m)))
                .map(DkvLayout.Shard::index)
                .toList();
    }

    /** Whether every mirror of shards {@code from} onwards is served at the current epoch. */
    public static boolean usable(ClusterState s, int from) {
        List<DkvLayout.Shard> shards = s.dkv().shards();
        return shards.size() > from
                && shards.subList(from, shards.size()).stream()
                        .allMatch(shard -> shard.mirrors().stream().allMatch(m -> servedAtEpoch(s, m)));
    }

    /** The epoch mirror {@code m}'s node reported it at, or -1 if it did not (yet). */
    public static long reportedEpoch(ClusterState s, DkvLayout.Mirror m) {
        NodeRecord n = s.nodes().get(m.nodeId());
        ObservedExtent e = n == null ? null : n.extents().get(m.extentId());
        return e == null || e.erasing() ? -1 : e.generation();
    }

    private static boolean servedAtEpoch(ClusterState s, DkvLayout.Mirror m) {
        return present(s, m) && reportedEpoch(s, m) == s.dkv().epoch();
    }

    private static boolean present(ClusterState s, DkvLayout.Mirror m) {
        return DkvCommands.present(m, s.nodes().get(m.nodeId()));
    }
}
