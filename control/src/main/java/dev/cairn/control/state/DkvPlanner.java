package dev.cairn.control.state;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.placement.Placement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * What the DKV needs next, read from the state alone (the DKV loop and the reservation route ask;
 * a new leader asks again and carries on): the first shard, the KV volumes a reservation adds, a
 * fresh mirror for each one whose node left or is being drained, and which shards can be recovered
 * now.
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
     * What the DKV loop proposes now ({@code commands}), and what it waits for (each a sentence for
     * the log): why the first shard or a mirror's replacement cannot be placed yet.
     */
    public record Plan(List<Command> commands, List<String> waiting) {}

    /**
     * The changes the DKV needs: its first shard once the cluster can place its mirrors (a new
     * cluster starts with one shard), and for each shard one mirror whose node or drive is away
     * replaced, if another mirror of the shard is ready and present. Only what placement can do now
     * is proposed (tried on a copy of the free space), so that a cluster short of room does not
     * write a refused command into the log on every pass.
     */
    public static Plan plan(
            ClusterState s, Command.DkvPlacement placement, Supplier<UUID> ids, Supplier<String> secrets, long now) {
        List<Command> plan = new ArrayList<>();
        List<String> waiting = new ArrayList<>();
        Placement room = Placement.of(s, placement.spareFraction());
        DkvLayout d = s.dkv();
        if (d.shards().isEmpty()) {
            DkvCommands.tryPlace(s, d, room, placement, List.of(), placement.mirrors())
                    .ifPresentOrElse(
                            why -> waiting.add("the first shard (" + placement.mirrors() + " KV volumes of "
                                    + d.kvVolumeBytes() + " bytes) waits for room: " + why),
                            () -> plan.add(reserve(s, 0, placement, ids, secrets, now)));
        }
        for (DkvLayout.Shard shard : d.shards()) {
            boolean source = shard.mirrors().stream().anyMatch(m -> m.ready() && present(s, m));
            Optional<DkvLayout.Mirror> lost = shard.mirrors().stream()
                    .filter(m -> !present(s, m))
                    .findFirst()
                    .filter(m -> source);
            boolean drained = lost.isEmpty() && settled(s, shard);
            // A mirror on a node being drained leaves once the shard is whole (one at a time), if
            // another ready mirror stays to recover the new one from.
            Optional<DkvLayout.Mirror> away = drained
                    ? shard.mirrors().stream()
                            .filter(m -> draining(s, m))
                            .filter(m -> shard.mirrors().stream()
                                    .anyMatch(o -> !o.extentId().equals(m.extentId())
                                            && o.ready()
                                            && present(s, o)
                                            && !draining(s, o)))
                            .findFirst()
                    : lost;
            if (away.isEmpty()) {
                continue;
            }
            List<DkvLayout.Mirror> keep =
                    shard.mirrors().stream().filter(m -> !m.equals(away.get())).toList();
            Optional<String> why = DkvCommands.tryPlace(s, d, room, placement, keep, 1);
            if (why.isPresent()) {
                waiting.add("shard " + shard.index() + "'s mirror " + away.get().extentId()
                        + (drained ? " (its node is being drained)" : " (its node or drive left)")
                        + " waits for room for a new one: " + why.get());
            } else {
                plan.add(new Command.ReplaceDkvMirror(
                        shard.index(), away.get().extentId(), ids.get(), secrets.get(), placement, now));
            }
        }
        return new Plan(plan, waiting);
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

    /** Every mirror of the shard ready and served, none retired: no recovery runs. */
    private static boolean settled(ClusterState s, DkvLayout.Shard shard) {
        return shard.retired().isEmpty() && shard.mirrors().stream().allMatch(m -> m.ready() && present(s, m));
    }

    /** Whether mirror {@code m}'s node is online and being drained: the mirror is to move off it. */
    static boolean draining(ClusterState s, DkvLayout.Mirror m) {
        NodeRecord n = s.nodes().get(m.nodeId());
        return n != null && n.draining() && present(s, m);
    }

    private static boolean present(ClusterState s, DkvLayout.Mirror m) {
        return DkvCommands.present(m, s.nodes().get(m.nodeId()));
    }
}
