package dev.cairn.control.model;

import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Everything the controller knows: nodes, storage classes, volumes (with their legs and
 * attachments), orphans and client agents, and the index of the last log entry applied. Owned by the state machine, which mutates it only
 * while applying a command; readers take copies under its lock. Maps are sorted so that every
 * iteration, and so every decision, is the same on every replica.
 */
public final class ClusterState {
    private long appliedIndex;
    private final TreeMap<UUID, NodeRecord> nodes = new TreeMap<>();
    private final TreeMap<String, StorageClass> classes = new TreeMap<>();
    private final TreeMap<UUID, Volume> volumes = new TreeMap<>();
    private final TreeMap<UUID, Orphan> orphans = new TreeMap<>();
    private final TreeMap<String, AgentRecord> agents = new TreeMap<>();

    /** A new cluster: no nodes, the built-in classes. */
    public static ClusterState empty() {
        ClusterState s = new ClusterState();
        StorageClass.builtIns().forEach(c -> s.classes.put(c.name(), c));
        return s;
    }

    /** Rebuilds a state from its parts (a snapshot). */
    public static ClusterState of(
            long appliedIndex,
            Collection<NodeRecord> nodes,
            Collection<StorageClass> classes,
            Collection<Volume> volumes,
            Collection<Orphan> orphans,
            Collection<AgentRecord> agents) {
        ClusterState s = new ClusterState();
        s.appliedIndex = appliedIndex;
        nodes.forEach(n -> s.nodes.put(n.id(), n));
        classes.forEach(c -> s.classes.put(c.name(), c));
        volumes.forEach(v -> s.volumes.put(v.id(), v));
        orphans.forEach(o -> s.orphans.put(o.extentId(), o));
        agents.forEach(a -> s.agents.put(a.host(), a));
        return s;
    }

    public long appliedIndex() {
        return appliedIndex;
    }

    public void setAppliedIndex(long index) {
        this.appliedIndex = index;
    }

    public SortedMap<UUID, NodeRecord> nodes() {
        return nodes;
    }

    public SortedMap<String, StorageClass> classes() {
        return classes;
    }

    public SortedMap<UUID, Volume> volumes() {
        return volumes;
    }

    public SortedMap<UUID, Orphan> orphans() {
        return orphans;
    }

    /** Client agents by host name. */
    public SortedMap<String, AgentRecord> agents() {
        return agents;
    }

    public Optional<Volume> volumeNamed(String name) {
        return volumes.values().stream().filter(v -> v.name().equals(name)).findFirst();
    }

    /** A volume by name, or else by id. */
    public Optional<Volume> volume(String nameOrId) {
        Optional<Volume> byName = volumeNamed(nameOrId);
        if (byName.isPresent()) {
            return byName;
        }
        try {
            return Optional.ofNullable(volumes.get(UUID.fromString(nameOrId)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Label keys some node carries (always including {@code host}). */
    public SortedSet<String> labelKeys() {
        SortedSet<String> keys = new TreeSet<>();
        keys.add("host");
        nodes.values().forEach(n -> keys.addAll(n.labels().keySet()));
        return keys;
    }

    /** A deep-enough copy for readers: the maps are new, the records immutable. */
    public ClusterState copy() {
        return of(appliedIndex, nodes.values(), classes.values(), volumes.values(), orphans.values(), agents.values());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterState s
                && s.appliedIndex == appliedIndex
                && s.nodes.equals(nodes)
                && s.classes.equals(classes)
                && s.volumes.equals(volumes)
                && s.orphans.equals(orphans)
                && s.agents.equals(agents);
    }

    @Override
    public int hashCode() {
        return Objects.hash(appliedIndex, nodes, classes, volumes, orphans, agents);
    }
}
