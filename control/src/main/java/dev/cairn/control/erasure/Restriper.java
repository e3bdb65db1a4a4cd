package dev.cairn.control.erasure;

import dev.cairn.control.api.CrashPoints;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.PStoreLayout;
import dev.cairn.control.model.Volume;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.ErasureGrowth;
import dev.cairn.control.state.Outcome;
import dev.cairn.control.state.ReplicatedState;
import java.io.IOException;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The restriper's loop, on the leader only: ends the creation of erasure-coded volumes. For each
 * volume being created whose BStores every node has made, it writes the PStores' layouts to the
 * DKV, then logs them stored (the volume's state forgets them and the volume is available). It
 * ends their growths the same way ({@link dev.cairn.control.state.ErasureGrowth}).
 * Nothing is remembered between passes: a leader that dies between the two steps leaves the volume
 * being created, and the next pass writes the same layouts again (a put is idempotent).
 */
public final class Restriper {
    private static final Logger log = LoggerFactory.getLogger(Restriper.class);

    private final ReplicatedState state;
    private final PStoreLayouts layouts;
    private final InstantSource clock;
    private final Map<UUID, String> lastProblem = new HashMap<>();

    public Restriper(ReplicatedState state, PStoreLayouts layouts, InstantSource clock) {
        this.state = state;
        this.layouts = layouts;
        this.clock = clock;
    }

    /** One pass; returns the volumes whose creation it ended. */
    public synchronized List<UUID> tick() throws IOException {
        if (!state.isLeader()) {
            return List.of();
        }
        List<Volume> ready = state.read(s -> s.volumes().values().stream()
                .filter(v -> v.erasure().filter(e -> !e.stored()).isPresent())
                .filter(v -> allCreated(s.nodes(), v.erasure().get()))
                .toList());
        List<UUID> done = new java.util.ArrayList<>();
        for (Volume v : ready) {
            if (store(v)) {
                done.add(v.id());
            } else if (lastProblem.containsKey(v.id())) {
                return done; // the DKV does not answer: the DKV's monitor gets its thread back to make it
            }
        }
        List<Volume> growing = state.read(s -> s.volumes().values().stream()
                .filter(v -> v.erasure().flatMap(ErasureLayout::growing).isPresent())
                .filter(v -> addedMade(s, v.erasure().get().growing().get()))
                .toList());
        for (Volume v : growing) {
            if (grow(v)) {
                done.add(v.id());
            } else if (lastProblem.containsKey(v.id())) {
                break;
            }
        }
        return done;
    }

    private static boolean addedMade(ClusterState s, ErasureLayout.Growth g) {
        return g.added().stream()
                .allMatch(ps -> ps.members().stream()
                        .allMatch(b -> ErasureGrowth.made(s, b.nodeId(), b.extentId(), ps.bstoreBytes())));
    }

    /**
     * Ends the growth of {@code v} once its last PStore's members (as the DKV names them now, none
     * being rebuilt) are grown on their nodes: the new PStores' layouts and the grown one's are
     * written to the DKV, then the growth is logged over. False while it waits, or if a step failed.
     */
    private boolean grow(Volume v) throws IOException {
        ErasureLayout e = v.erasure().orElseThrow();
        ErasureLayout.Growth g = e.growing().orElseThrow();
        int last = e.pstores() - 1;
        Map<Long, PStoreLayout> updated = new LinkedHashMap<>();
        try {
            if (g.lastBStoreBytes() > 0) {
                if (e.rebuilds().stream().anyMatch(r -> r.pstore() == last)) {
                    return false; // the rebuilt member is grown once the layout names it
                }
                PStoreLayout now = layouts.get(e.key(last));
                boolean grown = state.read(s -> now.members().stream()
                        .allMatch(b -> ErasureGrowth.made(s, b.nodeId(), b.extentId(), g.lastBStoreBytes())));
                if (!grown) {
                    return false;
                }
                if (now.bstoreBytes() < g.lastBStoreBytes()) {
                    updated.put(e.key(last), new PStoreLayout(v.id(), last, g.lastBStoreBytes(), now.members()));
                }
            }
            for (int i = 0; i < g.added().size(); i++) {
                ErasureLayout.PStorePlacement ps = g.added().get(i);
                updated.put(ps.key(), new PStoreLayout(v.id(), e.pstores() + i, ps.bstoreBytes(), ps.members()));
            }
            layouts.putAll(updated);
        } catch (IOException ex) {
            String problem = ex.getMessage();
            if (!problem.equals(lastProblem.put(v.id(), problem))) {
                log.warn("volume {}: its growth's PStore layouts are not stored yet: {}", v.name(), problem);
            }
            return false;
        }
        CrashPoints.reach("pstores-grown");
        Outcome o = state.submit(new Command.ErasureGrown(v.id(), clock.millis()));
        lastProblem.remove(v.id());
        if (o.isOk()) {
            log.info(
                    "volume {}: grown to {} bytes ({} PStores added, the last one's BStores {})",
                    v.name(),
                    g.toBytes(),
                    g.added().size(),
                    g.lastBStoreBytes() > 0 ? "grown to " + g.lastBStoreBytes() + " bytes" : "as they were");
            return true;
        }
        log.warn("volume {}: its growth was not logged over: {}", v.name(), o.message());
        return false;
    }

    private static boolean allCreated(Map<UUID, NodeRecord> nodes, ErasureLayout e) {
        return e.pending().stream().flatMap(p -> p.members().stream()).allMatch(b -> {
            NodeRecord n = nodes.get(b.nodeId());
            return n != null && n.extents().containsKey(b.extentId());
        });
    }

    private boolean store(Volume v) throws IOException {
        ErasureLayout e = v.erasure().orElseThrow();
        try {
            for (int p = 0; p < e.pending().size(); p++) {
                ErasureLayout.PStorePlacement ps = e.pending().get(p);
                layouts.put(ps.key(), new PStoreLayout(v.id(), p, ps.bstoreBytes(), ps.members()));
            }
        } catch (IOException ex) {
            String problem = ex.getMessage();
            if (!problem.equals(lastProblem.put(v.id(), problem))) {
                log.warn("volume {}: its PStore layouts are not stored yet: {}", v.name(), problem);
            }
            return false;
        }
        CrashPoints.reach("pstores-written");
        Outcome o = state.submit(new Command.PStoresStored(v.id(), clock.millis()));
        lastProblem.remove(v.id());
        if (o.isOk()) {
            log.info(
                    "volume {}: {} PStore layouts stored in the DKV; available",
                    v.name(),
                    e.pending().size());
            return true;
        }
        log.warn("volume {}: PStores not logged stored: {}", v.name(), o.message());
        return false;
    }
}
