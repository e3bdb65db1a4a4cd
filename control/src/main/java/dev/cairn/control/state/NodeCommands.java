package dev.cairn.control.state;

import static dev.cairn.control.state.Outcome.Status.CONFLICT;
import static dev.cairn.control.state.Outcome.Status.INVALID;
import static dev.cairn.control.state.Outcome.Status.NOT_FOUND;

import dev.cairn.control.api.Label;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegState;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.NodeState;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.model.Orphan;
import dev.cairn.control.model.Volume;
import dev.cairn.control.model.VolumeState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/** Applies the commands about nodes: registration, heartbeats, going offline, labels. */
final class NodeCommands {
    private NodeCommands() {}

    static Outcome register(ClusterState s, LegIndex index, Command.RegisterNode c, long logIndex) {
        SortedMap<String, String> labels = new TreeMap<>();
        try {
            c.labels().forEach((k, v) -> labels.put(new Label(k, v).key(), v));
        } catch (IllegalArgumentException e) {
            return Outcome.refused(INVALID, e.getMessage());
        }
        labels.putIfAbsent("host", c.nodeId().toString());
        NodeRecord known = s.nodes().get(c.nodeId());
        if (known != null) {
            labels.putAll(known.labels()); // labels the operator set through the API win over the node's own
        }
        Optional<NodeRecord> holder = Optional.ofNullable(c.name())
                .flatMap(s::nodeNamed)
                .filter(other -> !other.id().equals(c.nodeId()));
        if (holder.isPresent() && known == null) {
            return Outcome.refused(
                    CONFLICT,
                    "the name '" + c.name() + "' is taken by node "
                            + holder.get().id() + " at " + holder.get().nbdAddress()
                            + ": start this node with another --name");
        }
        String name = nameFor(s, c, known, labels.get("host"));
        NodeRecord n = new NodeRecord(
                c.nodeId(),
                c.nbdAddress(),
                c.adminUrl(),
                labels,
                c.drives(),
                known == null ? new TreeMap<>() : known.extents(),
                known == null ? List.of() : known.errors(),
                NodeState.ONLINE,
                known == null ? c.atMillis() : known.registeredAtMillis(),
                c.atMillis(),
                known == null ? Optional.empty() : known.drainingSinceMillis(),
                List.of(),
                name);
        s.nodes().put(n.id(), n);
        index.touch(n.id(), logIndex);
        if (known != null && known.state() != NodeState.ONLINE) {
            LegHealth.refreshOn(s, index, n.id(), c.atMillis());
        }
        DkvCommands.nodeChanged(s, index, known, n, logIndex);
        if (known != null && !known.nbdAddress().equals(n.nbdAddress())) {
            touchAgentsOfLegsOn(s, index, n.id(), logIndex);
        }
        return Outcome.ok(n.id().toString());
    }

    /**
     * The name a registering node gets: the one it asks for when no other node has it; else the
     * one it has (a known node is never refused for a name: it may hold legs); else its host
     * label, or, when another node has that (two nodes on one host, neither named), the host label
     * and the start of its id.
     */
    private static String nameFor(ClusterState s, Command.RegisterNode c, NodeRecord known, String host) {
        if (c.name() != null && free(s, c.name(), c.nodeId())) {
            return c.name();
        }
        if (known != null && free(s, known.name(), c.nodeId())) {
            return known.name();
        }
        if (free(s, host, c.nodeId())) {
            return host;
        }
        String suffixed = host.substring(0, Math.min(host.length(), 54)) + "-"
                + c.nodeId().toString().substring(0, 8);
        return free(s, suffixed, c.nodeId()) ? suffixed : c.nodeId().toString();
    }

    private static boolean free(ClusterState s, String name, UUID node) {
        return s.nodeNamed(name).filter(other -> !other.id().equals(node)).isEmpty();
    }

    /** The agents serving a volume with a leg on this node open it at the node's new address. */
    private static void touchAgentsOfLegsOn(ClusterState s, LegIndex index, UUID node, long logIndex) {
        for (UUID extentId : index.desiredOn(node)) {
            Volume v = s.volumes().get(index.volumeOf(extentId));
            v.attachment().ifPresent(a -> index.touchAgent(a.host(), logIndex));
        }
    }

    static Outcome heartbeat(ClusterState s, LegIndex index, Command.Heartbeat c, long logIndex) {
        NodeRecord n = s.nodes().get(c.nodeId());
        if (n == null) {
            return Outcome.refused(NOT_FOUND, "node " + c.nodeId() + " is not registered");
        }
        SortedMap<UUID, ObservedExtent> observed = observed(c);
        s.nodes()
                .put(
                        n.id(),
                        n.withInventory(c.drives(), observed, c.errors(), c.atMillis())
                                .withCopies(c.copies()));
        if (n.state() != NodeState.ONLINE) {
            LegHealth.refreshOn(s, index, n.id(), c.atMillis());
        }
        DkvCommands.nodeChanged(s, index, n, s.nodes().get(n.id()), logIndex);
        markLegsReady(s, index, n.id(), observed, logIndex);
        ResizeCommands.grown(s, index, n.id(), logIndex);
        NodeCopies.onReports(s, index, c.copies(), c.atMillis(), logIndex);
        trackOrphans(s, index, c, observed, logIndex);
        return Outcome.ok();
    }

    private static SortedMap<UUID, ObservedExtent> observed(Command.Heartbeat c) {
        SortedMap<UUID, ObservedExtent> observed = new TreeMap<>();
        c.extents().forEach(e -> observed.put(e.id(), e));
        return observed;
    }

    /**
     * Whether heartbeat {@code c} would change nothing but when its node was last heard from: the
     * node online with the same inventory, no copy reported, no leg made ready, no orphan found or
     * gone. Such a heartbeat need not be a log entry ({@link Liveness}). Conservative: when in doubt,
     * false.
     */
    static boolean onlyLiveness(ClusterState s, LegIndex index, Command.Heartbeat c) {
        NodeRecord n = s.nodes().get(c.nodeId());
        if (n == null
                || n.state() != NodeState.ONLINE
                || !c.copies().isEmpty()
                || !n.copies().isEmpty()) {
            return false;
        }
        SortedMap<UUID, ObservedExtent> observed = observed(c);
        if (!n.withInventory(c.drives(), observed, c.errors(), n.lastHeartbeatMillis())
                .equals(n)) {
            return false;
        }
        for (UUID extentId : index.desiredOn(n.id())) {
            ObservedExtent seen = observed.get(extentId);
            Volume v = s.volumes().get(index.volumeOf(extentId));
            if (seen != null
                    && v != null
                    && v.leg(extentId).filter(l -> becomesReady(l, seen)).isPresent()) {
                return false;
            }
        }
        return s.orphans().values().stream().noneMatch(o -> gone(o, n.id(), observed, c.reconciledIndex()))
                && observed.values().stream().noneMatch(e -> isNewOrphan(s, index, e));
    }

    /** Whether {@code seen}, the extent of {@code leg} as its node reports it, makes the leg ready. */
    private static boolean becomesReady(Leg leg, ObservedExtent seen) {
        return !seen.erasing()
                && leg.state() == LegState.CREATING
                && seen.sizeBytes() == leg.extentSizeBytes()
                && seen.generation() == leg.generation();
    }

    /** Legs whose extent the node now reports with the right size and generation are ready. */
    private static void markLegsReady(
            ClusterState s, LegIndex index, UUID node, SortedMap<UUID, ObservedExtent> observed, long logIndex) {
        for (UUID extentId : index.desiredOn(node)) {
            ObservedExtent seen = observed.get(extentId);
            Volume v = s.volumes().get(index.volumeOf(extentId));
            if (seen == null || v == null) {
                continue;
            }
            List<Leg> legs = new ArrayList<>(v.legs());
            boolean changed = false;
            for (int i = 0; i < legs.size(); i++) {
                Leg leg = legs.get(i);
                if (leg.extentId().equals(extentId) && becomesReady(leg, seen)) {
                    legs.set(i, leg.withState(LegState.READY));
                    changed = true;
                }
            }
            if (changed) {
                boolean allReady = legs.stream().allMatch(l -> l.state() == LegState.READY);
                s.volumes().put(v.id(), v.withLegs(legs, allReady ? VolumeState.AVAILABLE : v.state()));
                v.attachment().ifPresent(a -> index.touchAgent(a.host(), logIndex));
                v.legs().forEach(l -> index.touch(l.nodeId(), logIndex)); // a copy may start now
            }
        }
    }

    /**
     * Extents the node holds that nobody wants are orphans. An orphan the node no longer holds is
     * gone, but an erasable one only once the node has reconciled past it: until then the node may
     * still be creating it from an older desired state, and would then have to erase it.
     */
    private static void trackOrphans(
            ClusterState s,
            LegIndex index,
            Command.Heartbeat c,
            SortedMap<UUID, ObservedExtent> observed,
            long logIndex) {
        UUID node = c.nodeId();
        s.orphans().values().stream()
                .filter(o -> gone(o, node, observed, c.reconciledIndex()))
                .map(Orphan::extentId)
                .toList()
                .forEach(s.orphans()::remove);
        for (ObservedExtent e : observed.values()) {
            if (isNewOrphan(s, index, e)) {
                s.orphans()
                        .put(
                                e.id(),
                                new Orphan(
                                        e.id(),
                                        node,
                                        e.sizeBytes(),
                                        c.atMillis(),
                                        logIndex,
                                        "unknown to the controller (kept: erase it through the API if it is not needed)",
                                        false));
            }
        }
    }

    /**
     * Whether orphan {@code o} is gone from {@code node}, which reports {@code observed} having
     * reconciled up to {@code reconciledIndex}: an erasable one only once the node reconciled past it.
     */
    private static boolean gone(Orphan o, UUID node, SortedMap<UUID, ObservedExtent> observed, long reconciledIndex) {
        return o.nodeId().equals(node)
                && !observed.containsKey(o.extentId())
                && (!o.erase() || reconciledIndex >= o.sinceIndex());
    }

    /** Whether an extent a node reports is an orphan the controller does not know of yet. */
    private static boolean isNewOrphan(ClusterState s, LegIndex index, ObservedExtent e) {
        return !e.bstore()
                && !index.desired(e.id())
                && !index.kv(e.id())
                && !s.orphans().containsKey(e.id());
    }

    /** The operator asks for an orphan the controller never knew to be erased after all. */
    static Outcome eraseOrphan(ClusterState s, LegIndex index, Command.EraseOrphan c, long logIndex) {
        Orphan o = s.orphans().get(c.extentId());
        if (o == null) {
            return Outcome.refused(NOT_FOUND, "no orphan extent " + c.extentId());
        }
        if (!o.erase()) {
            s.orphans().put(o.extentId(), o.erasable(c.atMillis(), logIndex, "erase requested by the operator"));
            index.touch(o.nodeId(), logIndex);
        }
        return Outcome.ok(o.extentId().toString());
    }

    static Outcome markOffline(ClusterState s, LegIndex index, Command.MarkNodeOffline c, long logIndex) {
        NodeRecord n = s.nodes().get(c.nodeId());
        if (n == null) {
            return Outcome.refused(NOT_FOUND, "node " + c.nodeId() + " is not registered");
        }
        if (n.state() == NodeState.ONLINE && n.lastHeartbeatMillis() + c.offlineAfterMillis() <= c.atMillis()) {
            s.nodes().put(n.id(), n.withState(NodeState.OFFLINE));
            LegHealth.refreshOn(s, index, n.id(), c.atMillis());
            DkvCommands.nodeChanged(s, index, n, s.nodes().get(n.id()), logIndex);
        }
        return Outcome.ok(n.id().toString());
    }

    static Outcome setLabels(ClusterState s, LegIndex index, Command.SetNodeLabels c, long logIndex) {
        NodeRecord n = s.nodes().get(c.nodeId());
        if (n == null) {
            return Outcome.refused(NOT_FOUND, "no node " + c.nodeId());
        }
        SortedMap<String, String> labels = new TreeMap<>(n.labels());
        try {
            for (Map.Entry<String, String> e : c.set().entrySet()) {
                labels.put(new Label(e.getKey(), e.getValue()).key(), e.getValue());
            }
        } catch (IllegalArgumentException e) {
            return Outcome.refused(INVALID, e.getMessage());
        }
        for (String key : c.remove()) {
            if (key.equals("host")) {
                return Outcome.refused(INVALID, "'host' is implicit and cannot be removed (set it to another value)");
            }
            if (labels.remove(key) == null) {
                return Outcome.refused(NOT_FOUND, "node " + n.id() + " has no label '" + key + "'");
            }
        }
        s.nodes().put(n.id(), n.withLabels(labels));
        index.touch(n.id(), logIndex);
        return Outcome.ok(n.id().toString());
    }
}
