package dev.cairn.control.placement;

import dev.cairn.control.api.Label;
import dev.cairn.control.api.Sizes;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.Limits;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.NodeState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The placement pipeline, one function of (cluster, request): <b>filter</b> (online nodes, drives
 * with room after the spare reserve, not excluded, carrying the spread label, on a value not yet
 * used), <b>score</b> (highest free fraction first: greedy by free space, never by count, so drives
 * of different sizes fill evenly; a preferred node gets {@link #PREFERENCE_BONUS} on top) and
 * <b>select</b> (the best slot of each of the best domains).
 *
 * <p>Built from a {@link ClusterState}; {@link #commit} charges placed legs so that many volumes
 * can be placed in a row (what the state machine and the benchmark do) without rebuilding. Slots
 * are indexed per spread key and domain, best first, so a placement looks at the top few domains
 * only. Everything iterates in a fixed order: the same input places the same way on every replica.
 */
public final class Placement {
    /** What a preferred node adds to its free fraction: a soft preference, not a constraint. */
    public static final double PREFERENCE_BONUS = 0.05;

    /** With a tie-break, drives whose free space differs by less than this many legs count as equally free. */
    static final int TIE_LEGS = 4;

    /**
     * The band holds while the greedy choice's drives have at least this fraction free; on fuller
     * drives placement is greedy by exact free space, which evens out what the band left uneven, so
     * that a cluster is filled as far as strict greedy would fill it.
     */
    static final double BAND_WHILE_FREE = 0.5;

    private final Map<UUID, SortedMap<String, String>> labels = new HashMap<>();
    private final Map<UUID, Slot> slots = new HashMap<>();
    private final Map<String, DomainIndex> indexes = new HashMap<>();
    private final int nodesKnown;
    private final int nodesOffline;
    private final int nodesDraining;
    /** How many placements were charged: a cache of this placement is stale once any was undone. */
    private long charged;

    private Placement(int nodesKnown, int nodesOffline, int nodesDraining) {
        this.nodesKnown = nodesKnown;
        this.nodesOffline = nodesOffline;
        this.nodesDraining = nodesDraining;
    }

    /**
     * The slots of a cluster: every drive of every online node not being drained, its free bytes as reported (which
     * counts extents still being erased) reduced by the legs placed on it that the node has not
     * reported yet (so two volumes created in a row never count the same space), as are the DKV's
     * KV volumes not reported yet, and by a spare
     * reserve of {@code spareFraction} of its data area.
     */
    public static Placement of(ClusterState state, double spareFraction) {
        Map<UUID, Long> pending = PendingBytes.of(state);
        int offline = (int) state.nodes().values().stream()
                .filter(n -> n.state() != NodeState.ONLINE)
                .count();
        int draining = (int) state.nodes().values().stream()
                .filter(n -> n.state() == NodeState.ONLINE && n.draining())
                .count();
        Placement p = new Placement(state.nodes().size(), offline, draining);
        for (NodeRecord n : state.nodes().values()) {
            if (n.state() != NodeState.ONLINE || n.draining()) {
                continue;
            }
            p.labels.put(n.id(), n.labels());
            for (DriveState d : n.drives()) {
                long spare = (long) (d.dataBytes() * spareFraction);
                long capacity = Math.max(0, d.dataBytes() - spare);
                long free = Limits.addSaturated(d.freeBytes() - spare, -pending.getOrDefault(d.id(), 0L));
                p.slots.put(d.id(), new Slot(n.id(), d.id(), capacity, free));
            }
        }
        return p;
    }

    private DomainIndex index(String key) {
        return indexes.computeIfAbsent(key, k -> {
            DomainIndex index = new DomainIndex();
            slots.values().stream().sorted(Comparator.comparing(Slot::driveId)).forEach(s -> {
                String value = labels.get(s.nodeId()).get(k);
                if (value != null) {
                    index.add(value, s);
                }
            });
            return index;
        });
    }

    /**
     * A candidate: its slot, its domain, its score, and among equal scores the load on its node and
     * its rank (lower first).
     */
    private record Choice(Slot slot, String domain, double score, long load, long tie) {
        static final Comparator<Choice> BEST_FIRST = Comparator.comparingDouble(Choice::score)
                .reversed()
                .thenComparingLong(Choice::load)
                .thenComparingLong(Choice::tie);
    }

    /**
     * A slot's rank among equal scores: with the request's tie-break, a mix of it and the drive id;
     * without, 0 (the order the index gives: drive id, label value).
     */
    private static long tie(PlacementRequest r, Slot s) {
        if (r.tieBreak().isEmpty()) {
            return 0;
        }
        long x = r.tieBreak().getAsLong()
                ^ s.driveId().getMostSignificantBits() * 0x9E3779B97F4A7C15L
                ^ s.driveId().getLeastSignificantBits();
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }

    /**
     * Whether a candidate scoring at most {@code bound} can still beat {@code than}: with a
     * tie-break or loads, an equal score may (its load or rank decides), else only a higher one.
     */
    private static boolean mayBeat(PlacementRequest r, double bound, double than) {
        return (r.tieBreak().isPresent() || !r.nodeLoad().isEmpty()) ? bound >= than : bound > than;
    }

    /** Places the request, or explains exactly why it cannot be placed. Changes nothing. */
    public List<PlacedLeg> place(PlacementRequest r) throws PlacementException {
        DomainIndex index = index(r.spreadAcross());
        double bonus = r.prefer().isPresent() ? PREFERENCE_BONUS : 0;
        List<Choice> chosen = new ArrayList<>(r.legs() + 1);
        for (DomainIndex.Ranked d : index.ranked()) {
            if (chosen.size() == r.legs()
                    && !mayBeat(r, d.bestFraction() + bonus, chosen.getLast().score())) {
                break; // no slot of this or any later domain can beat what is chosen
            }
            if (r.usedDomains().contains(d.value())) {
                continue;
            }
            bestIn(index, d.value(), r, bonus).ifPresent(c -> {
                chosen.add(c);
                chosen.sort(Choice.BEST_FIRST);
                if (chosen.size() > r.legs()) {
                    chosen.removeLast();
                }
            });
        }
        if (chosen.size() < r.legs()) {
            throw new PlacementException(explain(r));
        }
        List<Choice> placed = r.tieBreak().isPresent() && chosen.getLast().score() >= BAND_WHILE_FREE
                ? nearlyAsFree(r, index, bonus, chosen)
                : chosen;
        return placed.stream()
                .map(c -> new PlacedLeg(c.slot().nodeId(), c.slot().driveId(), c.domain()))
                .toList();
    }

    /**
     * With a tie-break (and while the drives are at least {@value #BAND_WHILE_FREE} free), drives
     * whose free space differs by less than {@value #TIE_LEGS} legs count as equally free. Of the
     * greedy choice, the drives clearly freer than its worst (by that band, in bytes or as a
     * fraction) stay; the others, and every other domain's best slot within the band of the worst
     * (in bytes and as a fraction), are candidates for the places left: the least loaded nodes'
     * first, then in the request's own order. Otherwise drives that stay a little fuller than the
     * others (a KV volume, an older extent) would all be chosen together, round after round: their
     * PStores would share them, and a lost drive's rebuilds would read from those few. A drive much
     * larger than the others is never left out for them (a volume that greedy placement fits still
     * fits).
     */
    private List<Choice> nearlyAsFree(PlacementRequest r, DomainIndex index, double bonus, List<Choice> greedy) {
        double bandFraction = band(r);
        long bandBytes = TIE_LEGS * r.legBytes();
        double worst = greedy.getLast().score();
        long fewest = greedy.stream().mapToLong(c -> c.slot().freeBytes()).min().orElseThrow();
        List<Choice> kept = new ArrayList<>();
        List<Choice> near = new ArrayList<>();
        Set<String> domains = new HashSet<>();
        for (Choice c : greedy) {
            domains.add(c.domain());
            boolean clearlyFreer = c.score() > worst + bandFraction || c.slot().freeBytes() > fewest + bandBytes;
            (clearlyFreer ? kept : near).add(c);
        }
        for (DomainIndex.Ranked d : index.ranked()) {
            if (d.bestFraction() + bonus < worst - bandFraction) {
                break;
            }
            if (!r.usedDomains().contains(d.value()) && !domains.contains(d.value())) {
                bestIn(index, d.value(), r, bonus)
                        .filter(c ->
                                c.score() >= worst - bandFraction && c.slot().freeBytes() >= fewest - bandBytes)
                        .ifPresent(near::add);
            }
        }
        near.sort(Comparator.comparingLong(Choice::load).thenComparingLong(Choice::tie));
        kept.addAll(near.subList(0, r.legs() - kept.size()));
        return kept;
    }

    /** {@value #TIE_LEGS} legs of the request, as a fraction of the largest drive. */
    private double band(PlacementRequest r) {
        long largest =
                slots.values().stream().mapToLong(Slot::capacityBytes).max().orElse(1);
        return TIE_LEGS * (double) r.legBytes() / Math.max(1, largest);
    }

    private Optional<Choice> bestIn(DomainIndex index, String domain, PlacementRequest r, double bonus) {
        Choice best = null;
        for (Slot s : index.slots(domain)) {
            if (best != null && !mayBeat(r, s.freeFraction() + bonus, best.score())) {
                break;
            }
            if (s.freeBytes() < r.legBytes()
                    || r.excludedNodes().contains(s.nodeId())
                    || r.excludedDrives().contains(s.driveId())) {
                continue;
            }
            Choice c = new Choice(
                    s,
                    domain,
                    s.freeFraction() + (preferred(s.nodeId(), r.prefer()) ? bonus : 0),
                    r.nodeLoad().getOrDefault(s.nodeId(), 0L),
                    tie(r, s));
            if (best == null || Choice.BEST_FIRST.compare(c, best) < 0) {
                best = c;
            }
        }
        return Optional.ofNullable(best);
    }

    private boolean preferred(UUID node, Optional<Label> prefer) {
        return prefer.isPresent()
                && prefer.get().value().equals(labels.get(node).get(prefer.get().key()));
    }

    /** Charges placed legs against their drives, so the next placement sees the space taken. */
    public void commit(List<PlacedLeg> legs, long legBytes) {
        charged++;
        for (PlacedLeg leg : legs) {
            Slot old = slots.get(leg.driveId());
            Slot updated = old.minus(legBytes);
            slots.put(leg.driveId(), updated);
            SortedMap<String, String> nodeLabels = labels.get(old.nodeId());
            indexes.forEach((key, index) -> {
                String value = nodeLabels.get(key);
                if (value != null) {
                    index.remove(value, old);
                    index.add(value, updated);
                }
            });
        }
    }

    /** How many times {@link #commit} charged legs against this placement. */
    public long charged() {
        return charged;
    }

    /** The bytes a new leg may take on {@code drive}; empty when its node takes none now. */
    public OptionalLong freeOn(UUID drive) {
        Slot slot = slots.get(drive);
        return slot == null ? OptionalLong.empty() : OptionalLong.of(slot.freeBytes());
    }

    /** The free fraction of every drive placement knows, for tests and the benchmark. */
    public Map<UUID, Double> freeFractions() {
        Map<UUID, Double> fractions = new TreeMap<>();
        slots.values().forEach(s -> fractions.put(s.driveId(), s.freeFraction()));
        return fractions;
    }

    private String explain(PlacementRequest r) {
        String key = r.spreadAcross();
        int withoutLabel = 0;
        int withoutRoom = 0;
        int excluded = 0;
        SortedMap<String, Integer> roomy = new TreeMap<>();
        Map<UUID, Boolean> nodeHasRoom = new HashMap<>();
        slots.values().forEach(s -> nodeHasRoom.merge(s.nodeId(), s.freeBytes() >= r.legBytes(), Boolean::logicalOr));
        for (Map.Entry<UUID, SortedMap<String, String>> e : new TreeMap<>(labels).entrySet()) {
            String value = e.getValue().get(key);
            if (value == null) {
                withoutLabel++;
            } else if (r.excludedNodes().contains(e.getKey())) {
                excluded++;
            } else if (!nodeHasRoom.getOrDefault(e.getKey(), false)) {
                withoutRoom++;
            } else if (!r.usedDomains().contains(value)) {
                roomy.merge(value, 1, Integer::sum);
            }
        }
        StringBuilder m = new StringBuilder("needs " + r.legs() + " distinct value" + (r.legs() == 1 ? "" : "s")
                + " of '" + key + "' with room for a leg of " + Sizes.human(r.legBytes()) + ", only " + roomy.size()
                + (roomy.size() == 1 ? " has" : " have") + " one");
        if (!roomy.isEmpty()) {
            StringBuilder each = new StringBuilder();
            roomy.forEach((v, n) -> each.append(each.isEmpty() ? "" : ", ")
                    .append(key)
                    .append('=')
                    .append(v)
                    .append(": ")
                    .append(n)
                    .append(n == 1 ? " node" : " nodes"));
            m.append(" (").append(each).append(')');
        }
        m.append("; of ")
                .append(nodesKnown)
                .append(" node")
                .append(nodesKnown == 1 ? "" : "s")
                .append(": ")
                .append(nodesOffline)
                .append(" offline, ")
                .append(nodesDraining > 0 ? nodesDraining + " draining, " : "")
                .append(withoutLabel)
                .append(" without a '")
                .append(key)
                .append("' label, ")
                .append(withoutRoom)
                .append(" without room");
        if (excluded > 0) {
            m.append(", ").append(excluded).append(" already holding a leg");
        }
        if (!r.usedDomains().isEmpty()) {
            m.append(", values already used: ").append(String.join(", ", new TreeSet<>(r.usedDomains())));
        }
        return m.toString();
    }
}
