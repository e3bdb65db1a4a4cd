package dev.cairn.control.state;

import static dev.cairn.control.state.Outcome.Status.CONFLICT;
import static dev.cairn.control.state.Outcome.Status.INVALID;
import static dev.cairn.control.state.Outcome.Status.NOT_FOUND;
import static dev.cairn.control.state.Outcome.Status.UNPLACEABLE;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.NodeState;
import dev.cairn.control.model.Orphan;
import dev.cairn.control.placement.PlacedLeg;
import dev.cairn.control.placement.Placement;
import dev.cairn.control.placement.PlacementException;
import dev.cairn.control.placement.PlacementRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.DoubleFunction;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Applies the commands about the DKV's layout: reservations (which add shards), mirrors replaced
 * after their node or drive left, shards recovered, and the epoch's rise when a mirror's node or
 * drive leaves or returns. Every change of which mirrors a shard has raises the epoch, so that the nodes refuse
 * every client still planning on the layout before it; the nodes holding mirrors are touched (each
 * KV volume's epoch is in its node's desired state).
 */
final class DkvCommands {
    /** The labels a shard's mirrors are spread across, in order of preference. */
    private static final List<String> SPREAD = List.of("zone", "host");

    private DkvCommands() {}

    static Outcome reserve(
            ClusterState s, LegIndex index, Supplier<Placement> placement, Command.ReserveDkvKeys c, long logIndex) {
        DkvLayout d = s.dkv();
        long most = DkvLayout.MAX_SHARDS * d.slotsPerShard();
        if (d.reservedKeys() > most - c.keys()) {
            return Outcome.refused(
                    INVALID,
                    "the DKV holds at most " + most + " keys; " + d.reservedKeys() + " are reserved, so " + c.keys()
                            + " more do not fit");
        }
        long wanted = d.reservedKeys() + c.keys();
        long add = d.shardsToAdd(c.keys());
        int mirrors = c.placement().mirrors();
        if (add > DkvLayout.MAX_SHARDS_PER_RESERVATION) {
            return Outcome.refused(
                    INVALID,
                    c.keys() + " keys need " + add + " new shards, more than the "
                            + DkvLayout.MAX_SHARDS_PER_RESERVATION + " one reservation may add");
        }
        if (c.extentIds().size() < add * mirrors) {
            return Outcome.refused(
                    CONFLICT,
                    "the reservation carries ids for " + c.extentIds().size() + " KV volumes, " + add * mirrors
                            + " are needed now; ask again");
        }
        DkvLayout layout = d;
        for (int i = 0; i < add; i++) {
            List<DkvLayout.Mirror> shard = new ArrayList<>();
            List<PlacedLeg> placed;
            try {
                placed = place(s, layout, placement.get(), c.placement(), List.of(), mirrors);
            } catch (PlacementException e) {
                return Outcome.refused(
                        UNPLACEABLE,
                        "no room for shard " + layout.shards().size() + " of the DKV (" + mirrors + " KV volumes of "
                                + layout.kvVolumeBytes() + " bytes): " + e.getMessage());
            }
            for (int m = 0; m < mirrors; m++) {
                UUID id = c.extentIds().get(i * mirrors + m);
                if (taken(s, index, id)) {
                    return Outcome.refused(CONFLICT, "extent id " + id + " is taken; ask again");
                }
                PlacedLeg p = placed.get(m);
                shard.add(new DkvLayout.Mirror(
                        id, p.nodeId(), p.driveId(), c.secrets().get(i * mirrors + m), true));
            }
            layout = layout.withShard(new DkvLayout.Shard(layout.shards().size(), shard));
        }
        change(s, index, (add > 0 ? layout.nextEpoch() : layout).withReservedKeys(wanted), logIndex);
        return Outcome.ok(Long.toString(DkvLayout.FIRST_KEY + d.reservedKeys()));
    }

    /**
     * Applies {@code reservation} (the DKV keys for the PStores a volume's creation or growth adds;
     * its KV volumes placed with {@code placement} at the reservation's spare), then {@code then}
     * with its first key ({@code firstKey} without one, as logged before reservations were carried).
     * A refusal of either refuses the command whole, and the state rolls back with it: a refused
     * volume reserves nothing.
     */
    static Outcome reserving(
            ClusterState s,
            LegIndex index,
            DoubleFunction<Placement> placement,
            Command.ReserveDkvKeys reservation,
            long firstKey,
            long logIndex,
            LongFunction<Outcome> then) {
        if (reservation == null) {
            return then.apply(firstKey);
        }
        Outcome keys = reserve(
                s, index, () -> placement.apply(reservation.placement().spareFraction()), reservation, logIndex);
        return keys.isOk() ? then.apply(Long.parseLong(keys.id().orElseThrow())) : keys;
    }

    static Outcome replaceMirror(
            ClusterState s, LegIndex index, Supplier<Placement> placement, Command.ReplaceDkvMirror c, long logIndex) {
        DkvLayout d = s.dkv();
        if (c.shard() >= d.shards().size()) {
            return Outcome.refused(NOT_FOUND, "the DKV has no shard " + c.shard());
        }
        DkvLayout.Shard shard = d.shards().get(c.shard());
        Optional<DkvLayout.Mirror> old = shard.mirrors().stream()
                .filter(m -> m.extentId().equals(c.extentId()))
                .findFirst();
        if (old.isEmpty()) {
            return Outcome.refused(NOT_FOUND, "shard " + c.shard() + " has no mirror " + c.extentId());
        }
        if (present(old.get(), s.nodes().get(old.get().nodeId())) && !DkvPlanner.draining(s, old.get())) {
            return Outcome.refused(
                    CONFLICT, "mirror " + c.extentId() + "'s node is online with its drive and not drained; kept");
        }
        List<DkvLayout.Mirror> keep = shard.mirrors().stream()
                .filter(m -> !m.extentId().equals(c.extentId()))
                .toList();
        if (keep.stream().noneMatch(DkvLayout.Mirror::ready)) {
            return Outcome.refused(CONFLICT, "shard " + c.shard() + " has no other ready mirror to recover from");
        }
        if (taken(s, index, c.newExtentId())) {
            return Outcome.refused(CONFLICT, "extent id " + c.newExtentId() + " is taken; ask again");
        }
        PlacedLeg placed;
        try {
            placed = place(s, d, placement.get(), c.placement(), keep, 1).getFirst();
        } catch (PlacementException e) {
            return Outcome.refused(
                    UNPLACEABLE, "no room for a new mirror of DKV shard " + c.shard() + ": " + e.getMessage());
        }
        List<DkvLayout.Mirror> mirrors = new ArrayList<>(shard.mirrors());
        mirrors.set(
                mirrors.indexOf(old.get()),
                new DkvLayout.Mirror(c.newExtentId(), placed.nodeId(), placed.driveId(), c.secret(), false));
        List<DkvLayout.Mirror> retired = new ArrayList<>(shard.retired());
        if (old.get().ready()) {
            retired.add(old.get()); // kept until the shard is recovered: it may be the last good copy
        } else {
            erase(
                    s,
                    old.get(),
                    d,
                    "a mirror of DKV shard " + c.shard() + " not yet filled, replaced",
                    c.atMillis(),
                    logIndex);
        }
        change(
                s,
                index,
                d.withShard(new DkvLayout.Shard(c.shard(), mirrors, retired)).nextEpoch(),
                logIndex);
        return Outcome.ok(c.newExtentId().toString());
    }

    static Outcome recovered(ClusterState s, LegIndex index, Command.DkvShardRecovered c, long logIndex) {
        DkvLayout d = s.dkv();
        if (c.shard() >= d.shards().size()) {
            return Outcome.refused(NOT_FOUND, "the DKV has no shard " + c.shard());
        }
        if (c.epoch() != d.epoch()) {
            return Outcome.refused(
                    CONFLICT,
                    "shard " + c.shard() + " was recovered at epoch " + c.epoch() + ", but the DKV is at epoch "
                            + d.epoch() + " now: it is recovered again");
        }
        DkvLayout.Shard shard = d.shards().get(c.shard());
        for (DkvLayout.Mirror m : shard.retired()) {
            erase(s, m, d, "a mirror of DKV shard " + c.shard() + ", replaced and recovered", c.atMillis(), logIndex);
        }
        // Not a new epoch: a mirror turning ready changes where reads may go, not where writes go.
        List<DkvLayout.Mirror> ready =
                shard.mirrors().stream().map(m -> m.withReady(true)).toList();
        change(s, index, d.withShard(new DkvLayout.Shard(c.shard(), ready)), logIndex);
        return Outcome.ok(Integer.toString(c.shard()));
    }

    /** Mirror {@code m}, no longer wanted, becomes an orphan its node erases. */
    private static void erase(ClusterState s, DkvLayout.Mirror m, DkvLayout d, String why, long at, long logIndex) {
        s.orphans().put(m.extentId(), new Orphan(m.extentId(), m.nodeId(), d.kvVolumeBytes(), at, logIndex, why, true));
    }

    /**
     * Node record {@code before} became {@code after} (registered, heartbeated, marked offline):
     * the quorum changed if a mirror on it left (its node went offline, or no longer reports the
     * mirror's drive) or came back. Either raises the epoch; a mirror that came back, of a shard
     * with another ready mirror, is recovered before it serves reads again (it may have missed
     * writes, or hold some that failed on the other mirrors).
     */
    static void nodeChanged(ClusterState s, LegIndex index, NodeRecord before, NodeRecord after, long logIndex) {
        DkvLayout layout = s.dkv();
        boolean changed = false;
        for (DkvLayout.Mirror m : layout.mirrorsOn(after.id())) {
            boolean was = present(m, before);
            boolean is = present(m, after);
            if (was == is) {
                continue;
            }
            changed = true;
            DkvLayout.Shard shard = layout.shardHolding(m.extentId());
            if (is && m.ready() && otherReady(shard, m)) {
                layout = layout.withShard(new DkvLayout.Shard(
                        shard.index(),
                        shard.mirrors().stream()
                                .map(o -> o.extentId().equals(m.extentId()) ? o.withReady(false) : o)
                                .toList(),
                        shard.retired()));
            }
        }
        if (changed) {
            change(s, index, layout.nextEpoch(), logIndex);
        }
    }

    /** Whether mirror {@code m} is in the quorum by {@code node}'s record: online, its drive reported. */
    static boolean present(DkvLayout.Mirror m, NodeRecord node) {
        return node != null
                && node.state() == NodeState.ONLINE
                && node.drives().stream().anyMatch(d -> d.id().equals(m.driveId()));
    }

    private static boolean otherReady(DkvLayout.Shard shard, DkvLayout.Mirror m) {
        return shard.mirrors().stream().anyMatch(o -> o.ready() && !o.extentId().equals(m.extentId()));
    }

    /** Sets the layout, and touches every node that held or holds a mirror (or a retired one). */
    private static void change(ClusterState s, LegIndex index, DkvLayout layout, long logIndex) {
        Stream.of(s.dkv().mirrors(), s.dkv().retired(), layout.mirrors(), layout.retired())
                .flatMap(List::stream)
                .map(DkvLayout.Mirror::nodeId)
                .distinct()
                .forEach(n -> index.touch(n, logIndex));
        s.setDkv(layout);
        index.dkv(layout);
    }

    private static boolean taken(ClusterState s, LegIndex index, UUID extentId) {
        return index.desired(extentId) || index.kv(extentId) || s.orphans().containsKey(extentId);
    }

    /**
     * Tries {@link #place} on {@code p} (charging it, as the command would): empty if it places,
     * else why not.
     */
    static Optional<String> tryPlace(
            ClusterState s,
            DkvLayout layout,
            Placement p,
            Command.DkvPlacement settings,
            List<DkvLayout.Mirror> keep,
            int count) {
        try {
            place(s, layout, p, settings, keep, count);
            return Optional.empty();
        } catch (PlacementException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * Places {@code count} KV volumes for a shard whose other mirrors are {@code keep}: on other
     * nodes, on drives holding fewer than the most KV volumes a drive takes, spread across zones
     * where there are enough, else across hosts; charges them against {@code p}.
     */
    private static List<PlacedLeg> place(
            ClusterState s,
            DkvLayout layout,
            Placement p,
            Command.DkvPlacement settings,
            List<DkvLayout.Mirror> keep,
            int count)
            throws PlacementException {
        Map<UUID, Integer> perDrive = new HashMap<>();
        layout.mirrors().forEach(m -> perDrive.merge(m.driveId(), 1, Integer::sum));
        Set<UUID> full = new HashSet<>();
        perDrive.forEach((drive, n) -> {
            if (n >= settings.perDrive()) {
                full.add(drive);
            }
        });
        Set<UUID> nodes = new HashSet<>();
        keep.forEach(m -> nodes.add(m.nodeId()));
        PlacementException last = null;
        for (String label : SPREAD) {
            Set<String> used = new HashSet<>();
            for (DkvLayout.Mirror m : keep) {
                NodeRecord n = s.nodes().get(m.nodeId());
                if (n != null && n.label(label) != null) {
                    used.add(n.label(label));
                }
            }
            try {
                List<PlacedLeg> placed = p.place(new PlacementRequest(
                        count, layout.kvVolumeBytes(), label, Optional.empty(), nodes, used, full));
                p.commit(placed, layout.kvVolumeBytes());
                return placed;
            } catch (PlacementException e) {
                last = e;
            }
        }
        throw last;
    }
}
