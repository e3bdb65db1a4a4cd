package dev.cairn.control.state;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.Volume;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Derived from the state, never stored: which volume each extent belongs to (and which extents are
 * the DKV's KV volumes), which extents each
 * node should have, which volumes are attached to each host, at which log index each node's and
 * each agent's desired state last changed (they long-poll on it), and volumes by name.
 * Rebuilt from scratch after a snapshot is loaded, kept up to date by the commands after that.
 */
final class LegIndex {
    private final Map<UUID, UUID> volumeOfExtent = new HashMap<>();
    private final Map<UUID, SortedSet<UUID>> desiredByNode = new HashMap<>();
    private final Map<UUID, Long> changedAt = new HashMap<>();
    private final Map<String, UUID> volumeByName = new HashMap<>();
    private final Map<String, SortedSet<UUID>> attachedByHost = new HashMap<>();
    private final Map<String, Long> agentChangedAt = new HashMap<>();
    /** The DKV's KV volumes, by extent id. */
    private Set<UUID> kvVolumes = Set.of();
    /** Counts changes, so the state machine knows whether a refused command touched the index. */
    private long version;

    static LegIndex of(ClusterState state) {
        LegIndex index = new LegIndex();
        state.volumes().values().forEach(v -> index.add(v, state.appliedIndex()));
        state.nodes().keySet().forEach(n -> index.changedAt.put(n, state.appliedIndex()));
        state.agents().keySet().forEach(h -> index.agentChangedAt.put(h, state.appliedIndex()));
        index.dkv(state.dkv());
        return index;
    }

    void add(Volume v, long index) {
        version++;
        volumeByName.put(v.name(), v.id());
        for (Leg leg : v.legs()) {
            volumeOfExtent.put(leg.extentId(), v.id());
            desiredByNode.computeIfAbsent(leg.nodeId(), n -> new TreeSet<>()).add(leg.extentId());
            changedAt.put(leg.nodeId(), index);
        }
        for (ErasureLayout.BStorePlacement b : pendingBStores(v)) {
            volumeOfExtent.put(b.extentId(), v.id());
            desiredByNode.computeIfAbsent(b.nodeId(), n -> new TreeSet<>()).add(b.extentId());
            changedAt.put(b.nodeId(), index);
        }
        v.attachment().ifPresent(a -> attach(v.id(), a.host(), index));
    }

    void remove(Volume v, long index) {
        version++;
        volumeByName.remove(v.name());
        for (Leg leg : v.legs()) {
            volumeOfExtent.remove(leg.extentId());
            SortedSet<UUID> desired = desiredByNode.get(leg.nodeId());
            if (desired != null) {
                desired.remove(leg.extentId());
            }
            changedAt.put(leg.nodeId(), index);
        }
        for (ErasureLayout.BStorePlacement b : pendingBStores(v)) {
            volumeOfExtent.remove(b.extentId());
            SortedSet<UUID> desired = desiredByNode.get(b.nodeId());
            if (desired != null) {
                desired.remove(b.extentId());
            }
            changedAt.put(b.nodeId(), index);
        }
        v.attachment().ifPresent(a -> detach(v.id(), a.host(), index));
    }

    /**
     * The BStores of an erasure-coded volume that its state holds: those of a volume still being
     * created or of the PStores a growth adds, and the replacements of BStores being rebuilt (until
     * the DKV's layouts name them).
     */
    private static List<ErasureLayout.BStorePlacement> pendingBStores(Volume v) {
        return v.erasure().stream()
                .flatMap(e -> Stream.of(
                                e.pending().stream().flatMap(p -> p.members().stream()),
                                e.growing().stream()
                                        .flatMap(g -> g.added().stream())
                                        .flatMap(p -> p.members().stream()),
                                e.rebuilds().stream().map(ErasureLayout.Rebuild::replacement))
                        .flatMap(x -> x))
                .toList();
    }

    /** A leg added to volume {@code volume}: its node must now hold it. */
    void addLeg(UUID volume, Leg leg, long index) {
        version++;
        volumeOfExtent.put(leg.extentId(), volume);
        desiredByNode.computeIfAbsent(leg.nodeId(), n -> new TreeSet<>()).add(leg.extentId());
        changedAt.put(leg.nodeId(), index);
    }

    /** A leg removed from its volume: its node no longer holds it for the volume. */
    void removeLeg(Leg leg, long index) {
        version++;
        volumeOfExtent.remove(leg.extentId());
        SortedSet<UUID> desired = desiredByNode.get(leg.nodeId());
        if (desired != null) {
            desired.remove(leg.extentId());
        }
        changedAt.put(leg.nodeId(), index);
    }

    /** The DKV's layout changed: its KV volumes are these. */
    void dkv(DkvLayout layout) {
        version++;
        Set<UUID> ids = new HashSet<>();
        layout.mirrors().forEach(m -> ids.add(m.extentId()));
        layout.retired().forEach(m -> ids.add(m.extentId()));
        kvVolumes = ids;
    }

    /** Whether {@code extentId} is one of the DKV's KV volumes (a mirror, or a retired one kept). */
    boolean kv(UUID extentId) {
        return kvVolumes.contains(extentId);
    }

    void touch(UUID node, long index) {
        version++;
        changedAt.put(node, index);
    }

    /** The volume is now attached to {@code host}: that agent's desired state changed. */
    void attach(UUID volume, String host, long index) {
        version++;
        attachedByHost.computeIfAbsent(host, h -> new TreeSet<>()).add(volume);
        agentChangedAt.put(host, index);
    }

    /** The volume is no longer attached to {@code host}: that agent's desired state changed. */
    void detach(UUID volume, String host, long index) {
        version++;
        SortedSet<UUID> attached = attachedByHost.get(host);
        if (attached != null) {
            attached.remove(volume);
        }
        agentChangedAt.put(host, index);
    }

    /** Something an agent is handed about a volume attached to it changed (legs, addresses). */
    void touchAgent(String host, long index) {
        version++;
        agentChangedAt.put(host, index);
    }

    /** How many changes the index has had (it only grows). */
    long version() {
        return version;
    }

    /** The id of the volume with this name, if any. */
    Optional<UUID> volumeNamed(String name) {
        return Optional.ofNullable(volumeByName.get(name));
    }

    boolean desired(UUID extentId) {
        return volumeOfExtent.containsKey(extentId);
    }

    UUID volumeOf(UUID extentId) {
        return volumeOfExtent.get(extentId);
    }

    SortedSet<UUID> desiredOn(UUID node) {
        return Collections.unmodifiableSortedSet(desiredByNode.getOrDefault(node, new TreeSet<>()));
    }

    /** The log index at which this node's desired extents (or their access) last changed. */
    long changedAt(UUID node) {
        return changedAt.getOrDefault(node, 0L);
    }

    /** The ids of the volumes attached to {@code host}. */
    SortedSet<UUID> attachedOn(String host) {
        return Collections.unmodifiableSortedSet(attachedByHost.getOrDefault(host, new TreeSet<>()));
    }

    /** The log index at which the volumes attached to {@code host} (or what opens them) last changed. */
    long agentChangedAt(String host) {
        return agentChangedAt.getOrDefault(host, 0L);
    }
}
