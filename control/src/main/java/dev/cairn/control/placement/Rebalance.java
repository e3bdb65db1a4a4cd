package dev.cairn.control.placement;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Rebalance planning (DESIGN.md section 6), a pure function of (drives, what they hold): which
 * items (legs, BStores) to move from the fullest drives to the emptiest so that the spread of the
 * drives' fill fractions (used bytes over data bytes) comes within {@code threshold}, moving as few
 * bytes as it can.
 *
 * <p>Each move takes the fullest drive that has a move worth making and moves one of its items to
 * the emptiest drive the item may go to: a drive with room for it outside the sparing space, on a
 * node holding no member of the item's group (itself included: the new copy is filled while the old
 * one serves) (a volume's legs, a PStore's BStores) and on a
 * value of the group's spread label no other member has. Of the items that fit, it moves the
 * largest that neither takes its drive below the mean fill nor the target above it (no byte moved
 * twice), else the smallest. A move is made only when it lowers the capacity-weighted sum of
 * squared fills without widening the spread: so a plan ends (each item moves at most once, and at
 * the latest when no move is worth making: a cluster whose constraints or item sizes keep it apart
 * ends above the threshold, and says so in {@link Plan#spreadAfter}).
 */
public final class Rebalance {
    private Rebalance() {}

    /**
     * A drive that may give or take items: of an online node not being drained. {@code roomBytes}:
     * what placement may still use on it (its free bytes less the sparing space), negative when the
     * drive already reaches into it.
     */
    public record Drive(
            UUID id, UUID nodeId, Map<String, String> labels, long dataBytes, long usedBytes, long roomBytes) {
        public Drive {
            labels = Map.copyOf(labels);
            if (dataBytes <= 0 || usedBytes < 0) {
                throw new IllegalArgumentException("drive " + id + ": impossible sizes");
            }
        }

        double fill() {
            return (double) usedBytes / dataBytes;
        }
    }

    /**
     * Something on a drive: {@code bytes} it occupies there, a member of {@code group}, whose members
     * must be on distinct nodes and on distinct values of label {@code spreadAcross} ({@code domain}:
     * this member's value). Only items that may move are given {@code movable}; the others constrain
     * where their group's members may go (an item on a drive that is not given never moves).
     */
    public record Item(
            UUID id,
            String group,
            UUID nodeId,
            UUID driveId,
            long bytes,
            String spreadAcross,
            String domain,
            boolean movable) {}

    /** Item {@code item} moves from its drive to drive {@code toDrive} of node {@code toNode}. */
    public record Move(Item item, UUID toDrive, UUID toNode) {
        public long bytes() {
            return item.bytes();
        }
    }

    /**
     * The moves in order, the spread of fill fractions before and after them, and {@code done}:
     * whether the spread after is within the threshold.
     */
    public record Plan(List<Move> moves, double spreadBefore, double spreadAfter, boolean done) {
        public Plan {
            moves = List.copyOf(moves);
        }

        public long bytes() {
            return moves.stream().mapToLong(Move::bytes).sum();
        }
    }

    /** The spread of the drives' fill fractions (0 for fewer than two drives). */
    public static double spread(Collection<Drive> drives) {
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (Drive d : drives) {
            min = Math.min(min, d.fill());
            max = Math.max(max, d.fill());
        }
        return drives.size() < 2 ? 0 : max - min;
    }

    /** At most {@code maxMoves} moves that bring the spread within {@code threshold}, as far as they can. */
    public static Plan plan(Collection<Drive> drives, Collection<Item> items, double threshold, int maxMoves) {
        if (!(threshold >= 0 && threshold < 1)) {
            throw new IllegalArgumentException("the spread threshold must be in [0, 1), got " + threshold);
        }
        Map<UUID, Drive> byId = new HashMap<>();
        drives.forEach(d -> byId.put(d.id(), d));
        Map<String, List<Item>> groups = new HashMap<>();
        Map<UUID, List<Item>> onDrive = new HashMap<>();
        for (Item i : items) {
            groups.computeIfAbsent(i.group(), g -> new ArrayList<>()).add(i);
            if (i.movable() && byId.containsKey(i.driveId())) {
                onDrive.computeIfAbsent(i.driveId(), d -> new ArrayList<>()).add(i);
            }
        }
        onDrive.values()
                .forEach(l ->
                        l.sort(Comparator.comparingLong(Item::bytes).reversed().thenComparing(Item::id)));
        double before = spread(byId.values());
        long totalUsed = 0;
        long totalData = 0;
        for (Drive d : byId.values()) {
            totalUsed += d.usedBytes();
            totalData += d.dataBytes();
        }
        double mean = totalData == 0 ? 0 : (double) totalUsed / totalData;
        List<Move> moves = new ArrayList<>();
        while (moves.size() < maxMoves && spread(byId.values()) > threshold) {
            Optional<Move> next = next(byId, onDrive, groups, mean);
            if (next.isEmpty()) {
                break;
            }
            Move m = next.get();
            apply(m, byId, onDrive, groups);
            moves.add(m);
        }
        double after = spread(byId.values());
        return new Plan(moves, before, after, after <= threshold);
    }

    private static Optional<Move> next(
            Map<UUID, Drive> drives, Map<UUID, List<Item>> onDrive, Map<String, List<Item>> groups, double mean) {
        List<Drive> fullestFirst = drives.values().stream()
                .sorted(Comparator.comparingDouble(Drive::fill).reversed().thenComparing(Drive::id))
                .toList();
        List<Drive> emptiestFirst = fullestFirst.reversed();
        for (Drive source : fullestFirst) {
            if (source.fill() <= mean) {
                break;
            }
            Move smallest = null;
            for (Item item : onDrive.getOrDefault(source.id(), List.of())) {
                Optional<Drive> target = emptiestFirst.stream()
                        .takeWhile(t -> t.fill() < source.fill())
                        .filter(t -> worthIt(source, t, item.bytes()) && allowed(item, t, groups.get(item.group())))
                        .findFirst();
                if (target.isEmpty()) {
                    continue;
                }
                Move m = new Move(item, target.get().id(), target.get().nodeId());
                Drive t = target.get();
                boolean overshoots = (double) (source.usedBytes() - item.bytes()) / source.dataBytes() < mean
                        || (double) (t.usedBytes() + item.bytes()) / t.dataBytes() > mean;
                if (!overshoots) {
                    return Optional.of(m); // items are largest first: the largest that fits
                }
                smallest = m; // the last one seen is the smallest
            }
            if (smallest != null) {
                return Optional.of(smallest);
            }
        }
        return Optional.empty();
    }

    /**
     * The move lowers the capacity-weighted sum of squared fills (the target's fill halfway through
     * the item stays below the source's), takes the target no higher than the source was and the
     * source no lower than the target was (so the spread never grows), and fits the target's room.
     */
    private static boolean worthIt(Drive source, Drive target, long bytes) {
        double half = bytes / 2.0;
        boolean lowers =
                (target.usedBytes() + half) / target.dataBytes() < (source.usedBytes() - half) / source.dataBytes();
        double sourceAfter = (double) (source.usedBytes() - bytes) / source.dataBytes();
        double targetAfter = (double) (target.usedBytes() + bytes) / target.dataBytes();
        return lowers && targetAfter <= source.fill() && sourceAfter >= target.fill() && target.roomBytes() >= bytes;
    }

    private static boolean allowed(Item item, Drive target, List<Item> group) {
        String domain = target.labels().get(item.spreadAcross());
        if (domain == null || target.nodeId().equals(item.nodeId())) {
            return false; // not even to another drive of its node: old and new copy are on distinct nodes
        }
        for (Item other : group) {
            if (other.id().equals(item.id())) {
                continue;
            }
            if (other.nodeId().equals(target.nodeId())
                    || other.driveId().equals(target.id())
                    || domain.equals(other.domain())) {
                return false;
            }
        }
        return true;
    }

    private static void apply(
            Move m, Map<UUID, Drive> drives, Map<UUID, List<Item>> onDrive, Map<String, List<Item>> groups) {
        Item old = m.item();
        Drive from = drives.get(old.driveId());
        Drive to = drives.get(m.toDrive());
        drives.put(from.id(), resized(from, -old.bytes()));
        drives.put(to.id(), resized(to, old.bytes()));
        Item moved = new Item(
                old.id(),
                old.group(),
                to.nodeId(),
                to.id(),
                old.bytes(),
                old.spreadAcross(),
                to.labels().get(old.spreadAcross()),
                false); // moved once: never again in this plan
        onDrive.get(from.id()).remove(old);
        List<Item> group = groups.get(old.group());
        group.set(group.indexOf(old), moved);
    }

    private static Drive resized(Drive d, long bytes) {
        return new Drive(d.id(), d.nodeId(), d.labels(), d.dataBytes(), d.usedBytes() + bytes, d.roomBytes() - bytes);
    }
}
