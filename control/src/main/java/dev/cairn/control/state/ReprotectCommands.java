package dev.cairn.control.state;

import static dev.cairn.control.state.Outcome.Status.CONFLICT;
import static dev.cairn.control.state.Outcome.Status.INVALID;
import static dev.cairn.control.state.Outcome.Status.NOT_FOUND;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.LegLayout;
import dev.cairn.control.model.Orphan;
import dev.cairn.control.model.Volume;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Applies the steps of a reprotect (DESIGN.md section 6): the restriper starts rebuilding lost
 * BStores into new ones (which their nodes make and fill), then, once it wrote the layouts naming the
 * filled replacements to the DKV, ends those rebuilds: the old BStores become orphans, erased when
 * (if ever) their drives return; a moved BStore of an attached volume only once its agent has
 * switched to the new one ({@link #release}). Both steps are idempotent where a leader that died
 * between its DKV write and its log entry would repeat them.
 */
final class ReprotectCommands {
    private ReprotectCommands() {}

    static Outcome start(ClusterState s, LegIndex index, Command.ReprotectBStores c, long logIndex) {
        Volume v = s.volumes().get(c.volumeId());
        if (v == null || v.erasure().isEmpty()) {
            return Outcome.refused(NOT_FOUND, "no erasure-coded volume " + c.volumeId());
        }
        ErasureLayout e = v.erasure().get();
        if (!e.stored()) {
            return Outcome.refused(CONFLICT, "volume '" + v.name() + "' is still being created");
        }
        Set<String> members = new HashSet<>();
        for (ErasureLayout.Rebuild r : c.rebuilds()) {
            Optional<String> problem = problem(s, index, e, r);
            if (problem.isPresent()) {
                return Outcome.refused(
                        problem.get().startsWith("is") ? CONFLICT : INVALID,
                        "volume '" + v.name() + "', PStore " + r.pstore() + " BStore " + r.member() + ": "
                                + problem.get());
            }
            if (!members.add(r.pstore() + "/" + r.member())) {
                return Outcome.refused(
                        INVALID, "the command rebuilds BStore " + r.member() + " of PStore " + r.pstore() + " twice");
            }
        }
        List<ErasureLayout.Rebuild> rebuilds = new ArrayList<>(e.rebuilds());
        rebuilds.addAll(c.rebuilds());
        Set<UUID> nodes = new TreeSet<>(e.nodes());
        c.rebuilds().forEach(r -> nodes.add(r.replacement().nodeId()));
        replace(s, index, v, e.withRebuilds(rebuilds, nodes), logIndex);
        if (c.rebalance()) {
            c.rebuilds()
                    .forEach(r -> s.setRebalance(s.rebalance()
                            .started(r.replacement().extentId(), LegLayout.allocatedBytes(r.bstoreBytes()))));
        }
        return Outcome.ok(v.id().toString());
    }

    /** Why rebuild {@code r} cannot start, if it cannot ("is ..." when the state outran it). */
    private static Optional<String> problem(ClusterState s, LegIndex index, ErasureLayout e, ErasureLayout.Rebuild r) {
        if (r.pstore() >= e.pstores() || r.member() >= e.code().width()) {
            return Optional.of(
                    "no such BStore (" + e.pstores() + " PStores of " + e.code().width() + ")");
        }
        if (e.rebuildOf(r.pstore(), r.member()).isPresent()) {
            return Optional.of("is being rebuilt already");
        }
        UUID extent = r.replacement().extentId();
        if (index.desired(extent) || s.orphans().containsKey(extent)) {
            return Optional.of("extent id " + extent + " is taken");
        }
        if (!s.nodes().containsKey(r.replacement().nodeId())) {
            return Optional.of("node " + r.replacement().nodeId() + " is not registered");
        }
        return Optional.empty();
    }

    static Outcome replaced(ClusterState s, LegIndex index, Command.BStoresReplaced c, long logIndex) {
        Volume v = s.volumes().get(c.volumeId());
        if (v == null || v.erasure().isEmpty()) {
            return Outcome.refused(NOT_FOUND, "no erasure-coded volume " + c.volumeId());
        }
        ErasureLayout e = v.erasure().get();
        List<ErasureLayout.Rebuild> left = new ArrayList<>(e.rebuilds());
        List<ErasureLayout.Rebuild> ended = new ArrayList<>();
        for (Command.Replaced x : c.replaced()) {
            Optional<ErasureLayout.Rebuild> r = e.rebuildOf(x.pstore(), x.member());
            if (r.isEmpty()) {
                continue; // ended already: a leader logging it again after its DKV write
            }
            if (!r.get().replacement().extentId().equals(x.extentId())) {
                return Outcome.refused(
                        CONFLICT,
                        "volume '" + v.name() + "', PStore " + x.pstore() + " BStore " + x.member()
                                + " is being rebuilt into "
                                + r.get().replacement().extentId() + ", not "
                                + x.extentId());
            }
            left.remove(r.get());
            ended.add(r.get());
        }
        for (ErasureLayout.Rebuild r : ended) {
            s.setRebalance(s.rebalance().finished(r.replacement().extentId())); // a rebalance's move's end
            ErasureLayout.BStorePlacement old = r.old();
            String what = "BStore " + r.member() + " of PStore " + r.pstore() + " of volume " + v.name();
            // A moved BStore of an attached volume is still read and written by its agent until it
            // switches to the new one: kept until the agent's report no longer names it.
            Optional<String> agent = r.move() ? v.attachment().map(a -> a.host()) : Optional.empty();
            s.orphans()
                    .put(
                            old.extentId(),
                            new Orphan(
                                    old.extentId(),
                                    old.nodeId(),
                                    r.bstoreBytes(),
                                    c.atMillis(),
                                    logIndex,
                                    what
                                            + (r.move() ? " moved to another node" : " rebuilt elsewhere")
                                            + agent.map(h -> "; kept while the agent on host '" + h + "' still uses it")
                                                    .orElse(""),
                                    agent.isEmpty(),
                                    agent.map(h -> v.id())));
            index.touch(old.nodeId(), logIndex);
        }
        Set<UUID> nodes = new TreeSet<>(c.nodes().isEmpty() ? e.nodes() : c.nodes());
        left.forEach(r -> nodes.add(r.replacement().nodeId()));
        e.nodes().forEach(n -> index.touch(n, logIndex)); // a node no longer named forgets its BStores
        replace(s, index, v, e.withRebuilds(left, nodes), logIndex);
        return Outcome.ok(v.id().toString());
    }

    /**
     * The moved BStores volume {@code volumeId}'s agent held that it does not name any more (its
     * report names those it still uses; none after a detach, a new attachment or a deletion) become
     * erasable.
     */
    static void release(
            ClusterState s, LegIndex index, UUID volumeId, Set<UUID> named, long atMillis, long logIndex, String why) {
        if (!releases(s, volumeId, named)) {
            return; // the usual case: no copy of the orphans on every heartbeat
        }
        for (Orphan o : List.copyOf(s.orphans().values())) {
            if (o.heldBy(volumeId) && !named.contains(o.extentId())) {
                s.orphans().put(o.extentId(), o.erasable(atMillis, logIndex, why));
                index.touch(o.nodeId(), logIndex);
            }
        }
    }

    /** The volumes whose agent may still use a moved BStore (one pass over the orphans). */
    static Set<UUID> holding(ClusterState s) {
        Set<UUID> out = new HashSet<>();
        s.orphans().values().forEach(o -> o.heldBy().ifPresent(out::add));
        return out;
    }

    /** Whether {@link #release} would release anything. */
    static boolean releases(ClusterState s, UUID volumeId, Set<UUID> named) {
        return s.orphans().values().stream().anyMatch(o -> o.heldBy(volumeId) && !named.contains(o.extentId()));
    }

    private static void replace(ClusterState s, LegIndex index, Volume v, ErasureLayout layout, long logIndex) {
        index.remove(v, logIndex);
        Volume updated = v.withErasure(layout, v.state());
        s.volumes().put(v.id(), updated);
        index.add(updated, logIndex);
        layout.nodes().forEach(n -> index.touch(n, logIndex));
    }
}
