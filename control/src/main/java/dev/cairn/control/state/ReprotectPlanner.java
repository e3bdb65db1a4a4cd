package dev.cairn.control.state;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.LegLayout;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.NodeState;
import dev.cairn.control.model.PStoreLayout;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import dev.cairn.control.placement.PlacedLeg;
import dev.cairn.control.placement.Placement;
import dev.cairn.control.placement.PlacementException;
import dev.cairn.control.placement.PlacementRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Which BStores of an erasure-coded volume to rebuild now, as a pure function of (state, the
 * volume's PStore layouts, time): a BStore whose node has been offline for the class's repair
 * timeout, whose node is gone, or whose drive its node no longer reports, is lost; one on an online
 * node being drained moves (a rebuild that keeps it in use until its new BStore takes its place;
 * a PStore with a lost member rebuilds that first); each lost one
 * (not being rebuilt already) whose PStore still has {@code k} members to read gets a new BStore,
 * placed by the placement pipeline with the sparing space open to it: on a node holding no other
 * member of the PStore, on a value of the spread label no other member uses, greedy by free space.
 * A node runs at most {@code maxPerNode} rebuilds at once (the others wait for a later pass), so
 * a lost drive is rebuilt by many drives at once, each a little, not by a few.
 */
public final class ReprotectPlanner {
    private ReprotectPlanner() {}

    /** What a pass decided for one volume: the rebuilds to start, and why others wait. */
    public record Plan(List<ErasureLayout.Rebuild> rebuilds, List<String> waiting) {}

    /** Rebuilds running on each node (as the node of the new BStore), over every volume. */
    public static Map<UUID, Integer> running(ClusterState s) {
        Map<UUID, Integer> out = new HashMap<>();
        for (Volume v : s.volumes().values()) {
            v.erasure()
                    .ifPresent(e ->
                            e.rebuilds().forEach(r -> out.merge(r.replacement().nodeId(), 1, Integer::sum)));
        }
        return out;
    }

    /**
     * The bytes the rebuilds running now move on each node's drives: each rebuild's new BStore on
     * its node, and each of its sources on the node that holds it ({@code layouts}: the volumes'
     * PStore layouts, by volume id; a volume missing there counts its new BStores only).
     */
    public static Map<UUID, Long> traffic(ClusterState s, Map<UUID, List<PStoreLayout>> layouts) {
        Map<UUID, Long> out = new HashMap<>();
        for (Volume v : s.volumes().values()) {
            if (v.erasure().isEmpty()) {
                continue;
            }
            List<PStoreLayout> pstores = layouts.getOrDefault(v.id(), List.of());
            for (ErasureLayout.Rebuild r : v.erasure().get().rebuilds()) {
                out.merge(r.replacement().nodeId(), r.bstoreBytes(), Long::sum);
                if (r.pstore() < pstores.size()) {
                    List<ErasureLayout.BStorePlacement> members =
                            pstores.get(r.pstore()).members();
                    r.sources().stream()
                            .filter(i -> i >= 0 && i < members.size())
                            .forEach(i -> out.merge(members.get(i).nodeId(), r.bstoreBytes(), Long::sum));
                }
            }
        }
        return out;
    }

    /**
     * What the lost BStores not being rebuilt yet will ask of each node's drives once they are: each
     * one's rebuild reads {@code k} of its PStore's readable members (not lost, not being rebuilt),
     * so each of those members' nodes is charged {@code k/readable} of its bytes ({@code layouts}:
     * the volumes' PStore layouts, by volume id). A pass charges a rebuild's sources with this in
     * mind, so that a node that survives in many of the lost PStores is spared where another can
     * be read instead, rather than found the busiest once the rebuilds planned before have used
     * the others.
     */
    public static Map<UUID, Long> demand(ClusterState s, Map<UUID, List<PStoreLayout>> layouts, long now) {
        Map<UUID, Long> out = new HashMap<>();
        for (Map.Entry<UUID, List<PStoreLayout>> v : layouts.entrySet()) {
            Volume volume = s.volumes().get(v.getKey());
            StorageClass sc = volume == null ? null : s.classes().get(volume.className());
            if (sc == null || volume.erasure().isEmpty()) {
                continue;
            }
            ErasureLayout e = volume.erasure().get();
            for (PStoreLayout p : v.getValue()) {
                Survey survey = Survey.of(s, e, p, now, sc.repairTimeout().toMillis());
                survey.lost().forEach(member -> survey.charge(e, p, out, 1));
            }
        }
        return out;
    }

    /**
     * A PStore's lost members (not being rebuilt), readable ones (neither lost nor being rebuilt),
     * and moving ones (readable, on a node being drained).
     */
    private record Survey(List<Integer> lost, List<Integer> readable, List<Integer> moving) {
        static Survey of(ClusterState s, ErasureLayout e, PStoreLayout p, long now, long timeout) {
            List<Integer> lost = new ArrayList<>();
            List<Integer> readable = new ArrayList<>();
            List<Integer> moving = new ArrayList<>();
            for (int i = 0; i < p.members().size(); i++) {
                boolean rebuilding = e.rebuildOf(p.index(), i).isPresent();
                boolean gone = ReprotectPlanner.lost(s, p.members().get(i), now, timeout)
                        .isPresent();
                if (gone && !rebuilding) {
                    lost.add(i);
                }
                if (!gone && !rebuilding) {
                    readable.add(i);
                    if (ReprotectPlanner.moving(s, p.members().get(i))) {
                        moving.add(i);
                    }
                }
            }
            return new Survey(lost, readable, moving);
        }

        /** Adds {@code sign} times one lost member's {@link #demand} to {@code demand} (none with fewer than {@code k} readable). */
        void charge(ErasureLayout e, PStoreLayout p, Map<UUID, Long> demand, int sign) {
            if (readable.size() < e.code().k()) {
                return;
            }
            long share = p.bstoreBytes() * e.code().k() / readable.size();
            readable.forEach(i -> demand.merge(p.members().get(i).nodeId(), sign * share, Long::sum));
        }
    }

    /**
     * Whether BStore {@code b} must move: its node is online but being drained (a lost one is
     * rebuilt, not moved).
     */
    public static boolean moving(ClusterState s, ErasureLayout.BStorePlacement b) {
        NodeRecord n = s.nodes().get(b.nodeId());
        return n != null
                && n.state() == NodeState.ONLINE
                && n.draining()
                && n.drives().stream().anyMatch(d -> d.id().equals(b.driveId()));
    }

    /** Why BStore {@code b} is lost at {@code now} with repair timeout {@code timeoutMillis}, if it is. */
    public static Optional<String> lost(ClusterState s, ErasureLayout.BStorePlacement b, long now, long timeoutMillis) {
        NodeRecord n = s.nodes().get(b.nodeId());
        if (n == null) {
            return Optional.of("its node is gone");
        }
        if (n.state() != NodeState.ONLINE) {
            long away = now - n.lastHeartbeatMillis();
            return away >= timeoutMillis
                    ? Optional.of("its node " + n.name() + " has been offline for " + away / 1000 + " s")
                    : Optional.empty();
        }
        if (n.drives().stream().noneMatch(d -> d.id().equals(b.driveId()))) {
            return Optional.of("its drive " + b.driveId() + " is no longer reported by node " + n.name());
        }
        return Optional.empty();
    }

    /**
     * One pass over the cluster: its state at {@code now}, at most {@code maxPerNode} rebuilds per
     * node ({@code running}: those running, updated with those placed), the bytes the rebuilds move
     * on each node ({@code traffic}, {@link #traffic}, updated with those placed: each rebuild reads
     * the {@code k} members on the least busy nodes), what the lost BStores not yet planned will ask
     * of each node ({@code demand}, {@link #demand}, lowered as they are planned), the placement
     * (charged for what is placed, its sparing space open), and where new extent ids and secrets
     * come from.
     */
    public record Pass(
            ClusterState s,
            long now,
            int maxPerNode,
            Map<UUID, Integer> running,
            Map<UUID, Long> traffic,
            Map<UUID, Long> demand,
            Placement placement,
            Supplier<UUID> ids,
            Supplier<String> secrets) {

        /** The rebuilds to start for volume {@code v}, whose PStores' layouts are {@code layouts}. */
        public Plan plan(Volume v, List<PStoreLayout> layouts) {
            ErasureLayout e = v.erasure().orElseThrow();
            StorageClass sc = s.classes().get(v.className());
            List<ErasureLayout.Rebuild> out = new ArrayList<>();
            List<String> waiting = new ArrayList<>();
            if (sc == null || !e.stored()) {
                return new Plan(out, waiting);
            }
            long timeout = sc.repairTimeout().toMillis();
            for (PStoreLayout p : layouts) {
                Survey survey = Survey.of(s, e, p, now, timeout);
                if (survey.lost().isEmpty()) {
                    moves(sc, e, p, survey, out, waiting);
                    continue;
                }
                if (survey.readable().size() < e.code().k()) {
                    waiting.add("PStore " + p.index() + ": only "
                            + survey.readable().size() + " BStores left to read, "
                            + e.code().k() + " needed: waiting for a lost one to return");
                    continue;
                }
                for (int member : survey.lost()) {
                    survey.charge(e, p, demand, -1); // planned now: its reads are chosen below
                    try {
                        out.add(place(sc, e, p, member, survey.readable()));
                    } catch (PlacementException ex) {
                        waiting.add("PStore " + p.index() + " BStore " + member + ": " + ex.getMessage());
                    }
                }
            }
            return new Plan(out, waiting);
        }

        /**
         * The moves of {@code p}'s members on drained nodes (a PStore with a lost member rebuilds
         * that first): each a rebuild that keeps the member in use until its new BStore takes its
         * place.
         */
        private void moves(
                StorageClass sc,
                ErasureLayout e,
                PStoreLayout p,
                Survey survey,
                List<ErasureLayout.Rebuild> out,
                List<String> waiting) {
            for (int member : survey.moving()) {
                try {
                    // Its sources are the others (the node reads the member itself first where it may).
                    List<Integer> others =
                            survey.readable().stream().filter(i -> i != member).toList();
                    ErasureLayout.Rebuild r = place(sc, e, p, member, others);
                    out.add(new ErasureLayout.Rebuild(
                            r.pstore(),
                            r.member(),
                            r.bstoreBytes(),
                            r.old(),
                            r.replacement(),
                            r.sinceMillis(),
                            r.sources(),
                            true));
                } catch (PlacementException ex) {
                    waiting.add("PStore " + p.index() + " BStore " + member + " (on a node being drained): "
                            + ex.getMessage());
                }
            }
        }

        private ErasureLayout.Rebuild place(
                StorageClass sc, ErasureLayout e, PStoreLayout p, int member, List<Integer> readable)
                throws PlacementException {
            Set<UUID> nodes = new HashSet<>();
            Set<String> domains = new HashSet<>();
            for (int i = 0; i < p.members().size(); i++) {
                ErasureLayout.BStorePlacement b = p.members().get(i);
                Optional<ErasureLayout.Rebuild> r = e.rebuildOf(p.index(), i);
                UUID holder = r.map(x -> x.replacement().nodeId()).orElse(b.nodeId());
                nodes.add(b.nodeId());
                nodes.add(holder);
                if (i != member) {
                    Repairs.domainOf(s, holder, sc.spreadAcross()).ifPresent(domains::add);
                }
            }
            running.forEach((node, count) -> {
                if (count >= maxPerNode) {
                    nodes.add(node);
                }
            });
            long bytes = LegLayout.allocatedBytes(p.bstoreBytes());
            // The sources first: among equally free drives, the new BStore goes to the node that
            // moves least, counting what its sources will read and what the others lost may ask.
            List<Integer> sources = sources(e, p, readable);
            Map<UUID, Long> load = new HashMap<>(traffic);
            demand.forEach((node, asked) -> load.merge(node, asked, Long::sum));
            sources.forEach(i -> load.merge(p.members().get(i).nodeId(), p.bstoreBytes(), Long::sum));
            PlacementRequest request = new PlacementRequest(1, bytes, sc.spreadAcross(), sc.prefer(), nodes, domains)
                    .withTieBreak(ErasureCommands.tieBreak(p.volumeId(), p.index(), member + 1))
                    .withNodeLoad(load);
            PlacedLeg placed = placement.place(request).getFirst();
            placement.commit(List.of(placed), bytes);
            running.merge(placed.nodeId(), 1, Integer::sum);
            traffic.merge(placed.nodeId(), p.bstoreBytes(), Long::sum);
            sources.forEach(i -> traffic.merge(p.members().get(i).nodeId(), p.bstoreBytes(), Long::sum));
            return new ErasureLayout.Rebuild(
                    p.index(),
                    member,
                    p.bstoreBytes(),
                    p.members().get(member),
                    new ErasureLayout.BStorePlacement(placed.nodeId(), placed.driveId(), ids.get(), secrets.get()),
                    now,
                    sources);
        }

        /**
         * The {@code k} members of {@code p} to read ({@code readable}: those neither lost nor being
         * rebuilt) on the nodes that will be least busy: what the rebuilds planned move on them,
         * and what the lost BStores not yet planned may still ask ({@link #demand}); ties broken
         * from a member that depends on the PStore (charged to those nodes once the rebuild is
         * placed).
         */
        private List<Integer> sources(ErasureLayout e, PStoreLayout p, List<Integer> readable) {
            int width = p.members().size();
            int first = Math.floorMod(p.volumeId().hashCode() + p.index(), width);
            List<Integer> order = new ArrayList<>(readable);
            order.sort(Comparator.comparingInt(i -> Math.floorMod(i - first, width)));
            order.sort(Comparator.comparingLong(i -> {
                UUID node = p.members().get(i).nodeId();
                return traffic.getOrDefault(node, 0L) + demand.getOrDefault(node, 0L);
            }));
            return List.copyOf(order.subList(0, Math.min(e.code().k(), order.size())));
        }
    }
}
