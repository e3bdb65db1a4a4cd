package dev.cairn.control.erasure;

import dev.cairn.control.api.CrashPoints;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.LegCopyProgress;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.PStoreLayout;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import dev.cairn.control.placement.Placement;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.Outcome;
import dev.cairn.control.state.ReplicatedState;
import dev.cairn.control.state.ReprotectPlanner;
import dev.cairn.control.state.Secrets;
import java.io.IOException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The restriper's reprotect, on the leader only (DESIGN.md section 6). Each pass:
 *
 * <ol>
 *   <li>ends the rebuilds whose new BStore its node reports filled (at the volume's generation):
 *       writes the PStore's layout naming it to the DKV (crash point {@code
 *       reprotect-layout-written}), then logs {@link Command.BStoresReplaced} (the old BStore
 *       becomes an orphan). A leader dying between the two writes the same layout again.
 *   <li>starts rebuilds of the BStores lost past their class's repair timeout ({@link
 *       ReprotectPlanner}), logged as {@link Command.ReprotectBStores}: the new BStores' nodes make
 *       and fill them, many at once, each from {@code k} of its PStore's other members (crash
 *       point {@code reprotect-started} right after).
 * </ol>
 *
 * Nothing is remembered between passes but what was logged about problems (to log each once).
 */
public final class Reprotector {
    private static final Logger log = LoggerFactory.getLogger(Reprotector.class);

    /** What the reprotect did, for the controller's meters. */
    public interface Meters {
        void started(int bstores);

        void ended(ErasureLayout.Rebuild rebuild, long atMillis);
    }

    private final ReplicatedState state;
    private final PStoreLayouts layouts;
    private final InstantSource clock;
    private final int maxPerNode;
    private final Meters meters;
    private final Map<UUID, Logged> lastProblem = new HashMap<>();

    public Reprotector(
            ReplicatedState state, PStoreLayouts layouts, InstantSource clock, int maxPerNode, Meters meters) {
        this.state = state;
        this.layouts = layouts;
        this.clock = clock;
        this.maxPerNode = maxPerNode;
        this.meters = meters;
    }

    /** One pass; the commands it logged. */
    public synchronized List<Command> tick() throws IOException {
        if (!state.isLeader()) {
            return List.of();
        }
        List<Command> done = new ArrayList<>(finish());
        done.addAll(start());
        return done;
    }

    private List<Command> finish() throws IOException {
        List<Volume> volumes = state.read(s -> s.volumes().values().stream()
                .filter(v -> v.erasure().filter(e -> !e.rebuilds().isEmpty()).isPresent())
                .toList());
        Map<Volume, List<ErasureLayout.Rebuild>> filled = new LinkedHashMap<>();
        for (Volume v : volumes) {
            ErasureLayout e = v.erasure().orElseThrow();
            List<ErasureLayout.Rebuild> done = state.read(
                    s -> e.rebuilds().stream().filter(r -> filled(s, r, e)).toList());
            if (!done.isEmpty()) {
                filled.put(v, done);
            }
        }
        if (filled.isEmpty()) {
            return List.of();
        }
        // Every PStore layout that names a filled BStore, written at once (the DKV's round trips
        // overlap: on busy drives each takes a while).
        Map<Long, PStoreLayout> updated = new LinkedHashMap<>();
        try {
            for (Map.Entry<Volume, List<ErasureLayout.Rebuild>> f : filled.entrySet()) {
                ErasureLayout e = f.getKey().erasure().orElseThrow();
                for (ErasureLayout.Rebuild r : f.getValue()) {
                    long key = e.key(r.pstore());
                    PStoreLayout now = updated.containsKey(key) ? updated.get(key) : layouts.get(key);
                    List<ErasureLayout.BStorePlacement> members = new ArrayList<>(now.members());
                    if (!members.get(r.member()).equals(r.replacement())) {
                        members.set(r.member(), r.replacement());
                        updated.put(key, new PStoreLayout(now.volumeId(), now.index(), now.bstoreBytes(), members));
                    }
                }
            }
            layouts.putAll(updated);
        } catch (IOException ex) {
            // The DKV does not answer (a shard waiting for a new mirror): the pass ends here, giving
            // the DKV's thread back to its monitor, which makes it answer again.
            problem(
                    filled.keySet().iterator().next(),
                    "rebuilt BStores wait to be named in their layouts: " + ex.getMessage());
            return List.of();
        }
        CrashPoints.reach("reprotect-layout-written");
        List<Command> out = new ArrayList<>();
        for (Map.Entry<Volume, List<ErasureLayout.Rebuild>> f : filled.entrySet()) {
            Volume v = f.getKey();
            List<Command.Replaced> replaced = f.getValue().stream()
                    .map(r -> new Command.Replaced(
                            r.pstore(), r.member(), r.replacement().extentId()))
                    .toList();
            long now = clock.millis();
            Command c = new Command.BStoresReplaced(
                    v.id(), replaced, nodesOf(v.erasure().orElseThrow()), now);
            Outcome o = state.submit(c);
            if (o.isOk()) {
                f.getValue().forEach(r -> meters.ended(r, now));
                log.info("volume {}: {} BStores rebuilt and in their PStores' layouts", v.name(), replaced.size());
                out.add(c);
            } else {
                problem(v, "rebuilt BStores not logged replaced: " + o.message());
            }
        }
        return out;
    }

    /** The nodes the volume's layouts name now (none when they cannot be read: the state keeps its own). */
    private List<UUID> nodesOf(ErasureLayout e) {
        try {
            Set<UUID> nodes = new TreeSet<>();
            layouts.of(e).forEach(p -> p.members().forEach(b -> nodes.add(b.nodeId())));
            return List.copyOf(nodes);
        } catch (IOException ex) {
            return List.of();
        }
    }

    /** Whether the new BStore of {@code r} is reported filled by its node, at the volume's generation. */
    private static boolean filled(ClusterState s, ErasureLayout.Rebuild r, ErasureLayout e) {
        NodeRecord n = s.nodes().get(r.replacement().nodeId());
        return n != null
                && n.copies().stream()
                        .anyMatch(c -> c.extentId().equals(r.replacement().extentId())
                                && c.generation() == e.generation()
                                && c.state() == LegCopyProgress.State.DONE);
    }

    private List<Command> start() throws IOException {
        List<Volume> volumes = state.read(s -> s.volumes().values().stream()
                .filter(v -> v.erasure().filter(ErasureLayout::stored).isPresent())
                .toList());
        Map<UUID, List<PStoreLayout>> read = new HashMap<>();
        for (Volume v : volumes) {
            try {
                read.put(v.id(), layouts.of(v.erasure().orElseThrow()));
            } catch (IOException ex) {
                problem(v, "its PStore layouts could not be read: " + ex.getMessage());
                break; // as in finish: the DKV's monitor gets its thread back
            }
        }
        long now = clock.millis();
        Map<Volume, ReprotectPlanner.Plan> plans = state.read(s -> plan(s, read, now));
        Map<UUID, String> names = state.read(s -> {
            Map<UUID, String> out = new HashMap<>();
            s.nodes().forEach((id, n) -> out.put(id, n.name()));
            return out;
        });
        List<Command> out = new ArrayList<>();
        for (Map.Entry<Volume, ReprotectPlanner.Plan> p : plans.entrySet()) {
            Volume v = p.getKey();
            ReprotectPlanner.Plan plan = p.getValue();
            if (!plan.waiting().isEmpty()) {
                problem(v, "reprotect waits: " + String.join("; ", plan.waiting()));
            }
            if (plan.rebuilds().isEmpty()) {
                continue;
            }
            Command c = new Command.ReprotectBStores(v.id(), plan.rebuilds(), now);
            Outcome o = state.submit(c);
            if (o.isOk()) {
                CrashPoints.reach("reprotect-started");
                meters.started(plan.rebuilds().size());
                List<PStoreLayout> pstores = read.get(v.id());
                plan.rebuilds()
                        .forEach(r -> log.info(
                                "volume {}: PStore {} BStore {} (extent {}) {}; rebuilding it into extent {} on"
                                        + " node {}, reading BStores {} on nodes {}",
                                v.name(),
                                r.pstore(),
                                r.member(),
                                r.old().extentId(),
                                r.move() ? "moves off its node, which is being drained" : "lost",
                                r.replacement().extentId(),
                                nodeName(names, r.replacement().nodeId()),
                                r.sources(),
                                r.sources().stream()
                                        .map(i -> nodeName(
                                                names,
                                                pstores.get(r.pstore())
                                                        .members()
                                                        .get(i)
                                                        .nodeId()))
                                        .toList()));
                out.add(c);
            } else {
                problem(v, "reprotect not started: " + o.message());
            }
        }
        return out;
    }

    /**
     * The plans of the volumes with a lost BStore (the placement is built only when there is one),
     * on one consistent read of the state.
     */
    private Map<Volume, ReprotectPlanner.Plan> plan(ClusterState s, Map<UUID, List<PStoreLayout>> read, long now) {
        Map<Volume, ReprotectPlanner.Plan> plans = new java.util.LinkedHashMap<>();
        ReprotectPlanner.Pass pass = null;
        for (Map.Entry<UUID, List<PStoreLayout>> e : read.entrySet()) {
            Volume v = s.volumes().get(e.getKey());
            if (v == null || !anyLost(s, v, e.getValue(), now)) {
                continue;
            }
            if (pass == null) {
                pass = new ReprotectPlanner.Pass(
                        s,
                        now,
                        maxPerNode,
                        ReprotectPlanner.running(s),
                        ReprotectPlanner.traffic(s, read),
                        ReprotectPlanner.demand(s, read, now),
                        Placement.of(s, 0),
                        UUID::randomUUID,
                        Secrets::newSecret);
            }
            plans.put(v, pass.plan(v, e.getValue()));
        }
        return plans;
    }

    /** A node's name in {@code names}, for the log (its id if it is gone). */
    private static String nodeName(Map<UUID, String> names, UUID node) {
        return names.getOrDefault(node, node.toString());
    }

    /** Whether a BStore of {@code v} not being rebuilt is lost, or must move off a node being drained. */
    private static boolean anyLost(ClusterState s, Volume v, List<PStoreLayout> pstores, long now) {
        ErasureLayout e = v.erasure().orElseThrow();
        StorageClass sc = s.classes().get(v.className());
        if (sc == null) {
            return false;
        }
        for (PStoreLayout p : pstores) {
            for (int i = 0; i < p.members().size(); i++) {
                if (e.rebuildOf(p.index(), i).isEmpty()
                        && (ReprotectPlanner.moving(s, p.members().get(i))
                                || ReprotectPlanner.lost(
                                                s,
                                                p.members().get(i),
                                                now,
                                                sc.repairTimeout().toMillis())
                                        .isPresent())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Logs a volume's problem when it changes, at most once a minute (a pass runs five times a second). */
    private void problem(Volume v, String problem) {
        long now = clock.millis();
        Logged last = lastProblem.get(v.id());
        if (last == null || (!last.problem().equals(problem) && now - last.atMillis() >= 60_000)) {
            lastProblem.put(v.id(), new Logged(problem, now));
            log.warn("volume {}: {}", v.name(), problem);
        }
    }

    private record Logged(String problem, long atMillis) {}
}
