package dev.cairn.control.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * Rebalance plans over random heterogeneous clusters (drives of 1x to 16x a base size, uneven
 * zones, replicated volumes across zones and 4+2 PStores across hosts), each as it stands after new
 * empty nodes joined a full one.
 */
class RebalanceProperties {
    private static final long GIB = 1L << 30;

    /** A cluster and what it holds. */
    record Cluster(List<Rebalance.Drive> drives, List<Rebalance.Item> items) {}

    /**
     * {@code oldNodes} nodes over {@code zones} zones (zone i takes about i+1 shares of them), each of
     * 1-3 drives of 1x-16x 32 GiB, filled by random placement (legs of 1-4 GiB in three zones, BStores
     * of 1 GiB on six hosts) until a group no longer fits; then {@code newNodes} empty nodes join.
     */
    static Cluster expanded(long seed, int oldNodes, int newNodes, int zones) {
        Random r = new Random(seed);
        List<Rebalance.Drive> drives = new ArrayList<>();
        int shares = zones * (zones + 1) / 2;
        for (int n = 0; n < oldNodes + newNodes; n++) {
            UUID node = new UUID(seed, n);
            int share = r.nextInt(shares);
            int zone = 0;
            while (share >= zone + 1) {
                share -= zone + 1;
                zone++;
            }
            Map<String, String> labels = Map.of("zone", "z" + zone, "host", "h" + n);
            int count = 1 + r.nextInt(3);
            for (int d = 0; d < count; d++) {
                long size = (1L + r.nextInt(16)) * 32 * GIB;
                drives.add(new Rebalance.Drive(new UUID(seed + 1, n * 8L + d), node, labels, size, 0, size));
            }
        }
        List<Rebalance.Drive> old = drives.stream()
                .filter(d -> d.nodeId().getLeastSignificantBits() < oldNodes)
                .toList();
        Map<UUID, Rebalance.Drive> state = new HashMap<>();
        old.forEach(d -> state.put(d.id(), d));
        List<Rebalance.Item> items = new ArrayList<>();
        for (int g = 0; ; g++) {
            boolean ec = r.nextInt(3) == 0;
            List<Rebalance.Item> group =
                    group(r, state, "g" + g, ec ? 6 : 3, ec ? GIB : (1 + r.nextInt(4)) * GIB, ec ? "host" : "zone");
            if (group.isEmpty()) {
                break;
            }
            items.addAll(group);
        }
        List<Rebalance.Drive> all = new ArrayList<>();
        for (Rebalance.Drive d : drives) {
            all.add(state.getOrDefault(d.id(), d));
        }
        return new Cluster(all, items);
    }

    /** A group of {@code width} members on random drives of distinct nodes and label values, or none. */
    private static List<Rebalance.Item> group(
            Random r, Map<UUID, Rebalance.Drive> state, String name, int width, long bytes, String key) {
        List<Rebalance.Drive> candidates = new ArrayList<>(state.values());
        candidates.sort((a, b) -> a.id().compareTo(b.id()));
        Collections.shuffle(candidates, r);
        List<Rebalance.Item> out = new ArrayList<>();
        Set<UUID> nodes = new HashSet<>();
        Set<String> domains = new HashSet<>();
        for (Rebalance.Drive d : candidates) {
            String domain = d.labels().get(key);
            if (out.size() < width && d.roomBytes() >= bytes && !nodes.contains(d.nodeId()) && domains.add(domain)) {
                nodes.add(d.nodeId());
                out.add(new Rebalance.Item(
                        new UUID(name.hashCode(), out.size()), name, d.nodeId(), d.id(), bytes, key, domain, true));
            }
        }
        if (out.size() < width) {
            return List.of();
        }
        for (Rebalance.Item i : out) {
            Rebalance.Drive d = state.get(i.driveId());
            state.put(
                    d.id(),
                    new Rebalance.Drive(
                            d.id(),
                            d.nodeId(),
                            d.labels(),
                            d.dataBytes(),
                            d.usedBytes() + bytes,
                            d.roomBytes() - bytes));
        }
        return out;
    }

    /**
     * Every move keeps every constraint (distinct nodes, drives and label values within a group; no
     * drive beyond its room), each item moves at most once (so a plan is bounded by the items), every
     * group keeps all its members, and every move lowers the capacity-weighted sum of squared fills.
     * A plan that ends above the threshold ends because no single move is worth making.
     */
    @Property(tries = 80, seed = "2001")
    void plansKeepEveryConstraintAndEnd(
            @ForAll @LongRange(min = 1, max = 1_000_000) long seed,
            @ForAll @IntRange(min = 3, max = 12) int oldNodes,
            @ForAll @IntRange(min = 1, max = 6) int newNodes,
            @ForAll @IntRange(min = 3, max = 5) int zones) {
        Cluster c = expanded(seed, oldNodes, newNodes, zones);
        Rebalance.Plan plan = Rebalance.plan(c.drives(), c.items(), 0.05, 100_000);

        Map<UUID, Rebalance.Drive> drives = new HashMap<>();
        c.drives().forEach(d -> drives.put(d.id(), d));
        Map<UUID, Rebalance.Item> items = new HashMap<>();
        c.items().forEach(i -> items.put(i.id(), i));
        Set<UUID> moved = new HashSet<>();
        double potential = potential(drives);
        for (Rebalance.Move m : plan.moves()) {
            assertThat(moved.add(m.item().id())).as("an item moves once").isTrue();
            Rebalance.Item before = items.get(m.item().id());
            assertThat(before).isEqualTo(m.item());
            Rebalance.Drive to = drives.get(m.toDrive());
            assertThat(to.nodeId()).isEqualTo(m.toNode());
            assertThat(to.roomBytes()).as("room on the target").isGreaterThanOrEqualTo(m.bytes());
            Rebalance.Item after = new Rebalance.Item(
                    before.id(),
                    before.group(),
                    to.nodeId(),
                    to.id(),
                    before.bytes(),
                    before.spreadAcross(),
                    to.labels().get(before.spreadAcross()),
                    false);
            items.put(after.id(), after);
            shift(drives, before.driveId(), -m.bytes());
            shift(drives, to.id(), m.bytes());
            double next = potential(drives);
            assertThat(next).as("each move evens the drives out").isLessThan(potential);
            potential = next;
        }
        Map<String, List<Rebalance.Item>> groups = new HashMap<>();
        items.values()
                .forEach(i -> groups.computeIfAbsent(i.group(), g -> new ArrayList<>())
                        .add(i));
        for (Map.Entry<String, List<Rebalance.Item>> g : groups.entrySet()) {
            List<Rebalance.Item> members = g.getValue();
            assertThat(members).hasSize(members.getFirst().spreadAcross().equals("host") ? 6 : 3);
            assertThat(members.stream().map(Rebalance.Item::nodeId).distinct()).hasSize(members.size());
            assertThat(members.stream().map(Rebalance.Item::driveId).distinct()).hasSize(members.size());
            assertThat(members.stream().map(Rebalance.Item::domain).distinct()).hasSize(members.size());
        }
        assertThat(plan.spreadAfter())
                .isEqualTo(Rebalance.spread(drives.values()), org.assertj.core.data.Offset.offset(1e-12));
        if (!plan.done()) {
            Rebalance.Plan more = Rebalance.plan(
                    drives.values(),
                    items.values().stream()
                            .map(i -> new Rebalance.Item(
                                    i.id(),
                                    i.group(),
                                    i.nodeId(),
                                    i.driveId(),
                                    i.bytes(),
                                    i.spreadAcross(),
                                    i.domain(),
                                    !moved.contains(i.id())))
                            .toList(),
                    0.05,
                    1);
            assertThat(more.moves())
                    .as("a plan that stops short has no move left worth making")
                    .isEmpty();
        }
    }

    /**
     * Where nothing but size keeps the drives apart (4+2 PStores across hosts of many nodes, none of
     * which holds a seventh of the capacity; items small beside the drives), a plan reaches the threshold, and moves little more than the final
     * layout shows had to leave the drives it left.
     */
    @Property(tries = 40, seed = "2002")
    void spreadAcrossHostsReachesTheThresholdWithoutMovingBytesTwice(
            @ForAll @LongRange(min = 1, max = 1_000_000) long seed,
            @ForAll @IntRange(min = 8, max = 16) int oldNodes,
            @ForAll @IntRange(min = 1, max = 6) int newNodes) {
        Cluster c = expanded(seed, oldNodes, newNodes, 3);
        Map<UUID, Long> perNode = new HashMap<>();
        c.drives().forEach(d -> perNode.merge(d.nodeId(), d.dataBytes(), Long::sum));
        long total = perNode.values().stream().mapToLong(Long::longValue).sum();
        // A node can hold one member of each PStore: one holding more than a sixth of the capacity
        // can never be as full as the others. Keep clear of that bound.
        Assume.that(perNode.values().stream().allMatch(n -> n * 7 <= total));
        List<Rebalance.Item> hostsOnly =
                c.items().stream().filter(i -> i.spreadAcross().equals("host")).toList();
        Map<UUID, Long> used = new HashMap<>();
        hostsOnly.forEach(i -> used.merge(i.driveId(), i.bytes(), Long::sum));
        List<Rebalance.Drive> drives = c.drives().stream()
                .map(d -> new Rebalance.Drive(
                        d.id(),
                        d.nodeId(),
                        d.labels(),
                        d.dataBytes(),
                        used.getOrDefault(d.id(), 0L),
                        d.dataBytes() - used.getOrDefault(d.id(), 0L)))
                .toList();
        Rebalance.Plan plan = Rebalance.plan(drives, hostsOnly, 0.05, 100_000);

        assertThat(plan.done())
                .as("spread %s -> %s", plan.spreadBefore(), plan.spreadAfter())
                .isTrue();
        Map<UUID, Long> out = new HashMap<>();
        plan.moves().forEach(m -> out.merge(m.item().driveId(), m.bytes(), Long::sum));
        plan.moves().forEach(m -> out.merge(m.toDrive(), -m.bytes(), Long::sum));
        long left = out.values().stream().mapToLong(v -> Math.max(0, v)).sum();
        assertThat((double) plan.bytes()).isLessThanOrEqualTo(1.2 * left);
    }

    private static void shift(Map<UUID, Rebalance.Drive> drives, UUID id, long bytes) {
        Rebalance.Drive d = drives.get(id);
        drives.put(
                id,
                new Rebalance.Drive(
                        d.id(), d.nodeId(), d.labels(), d.dataBytes(), d.usedBytes() + bytes, d.roomBytes() - bytes));
    }

    private static double potential(Map<UUID, Rebalance.Drive> drives) {
        double sum = 0;
        for (Rebalance.Drive d : drives.values()) {
            sum += (double) d.usedBytes() * d.usedBytes() / d.dataBytes();
        }
        return sum;
    }
}
