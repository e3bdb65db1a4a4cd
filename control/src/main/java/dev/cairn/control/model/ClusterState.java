package dev.cairn.control.model;

import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Everything the controller knows: nodes, storage classes, volumes (with their legs and
 * attachments), orphans, client agents, the DKV's layout and the rebalance's state, and the index of the last log entry applied. Owned by
 * the state machine, which mutates it only while applying a command; readers take copies under its
 * lock. Maps are sorted so that every iteration, and so every decision, is the same on every
 * replica.
 *
 * <p>A command's changes are made between {@link #begin} and {@link #commit} or {@link #rollBack}:
 * the maps journal every put and remove meanwhile, so a command refused or failing half-way leaves
 * the state exactly as it found it. Their views are read-only: every change goes through put and
 * remove.
 */
public final class ClusterState {
    private long appliedIndex;
    private final JournaledMap.Journal journal = new JournaledMap.Journal();
    private final JournaledMap<UUID, NodeRecord> nodes = new JournaledMap<>(journal);
    private final JournaledMap<String, StorageClass> classes = new JournaledMap<>(journal);
    private final JournaledMap<UUID, Volume> volumes = new JournaledMap<>(journal);
    private final JournaledMap<UUID, Orphan> orphans = new JournaledMap<>(journal);
    private final JournaledMap<String, AgentRecord> agents = new JournaledMap<>(journal);
    private final JournaledValue<DkvLayout> dkv = new JournaledValue<>(journal, DkvLayout.empty());
    private final JournaledValue<RebalanceState> rebalance = new JournaledValue<>(journal, RebalanceState.initial());

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
        return of(appliedIndex, nodes, classes, volumes, orphans, agents, DkvLayout.empty());
    }

    /** Rebuilds a state from its parts (a snapshot), with the DKV's layout. */
    public static ClusterState of(
            long appliedIndex,
            Collection<NodeRecord> nodes,
            Collection<StorageClass> classes,
            Collection<Volume> volumes,
            Collection<Orphan> orphans,
            Collection<AgentRecord> agents,
            DkvLayout dkv) {
        return of(appliedIndex, nodes, classes, volumes, orphans, agents, dkv, RebalanceState.initial());
    }

    /** Rebuilds a state from its parts (a snapshot), with the DKV's layout and the rebalance's state. */
    public static ClusterState of(
            long appliedIndex,
            Collection<NodeRecord> nodes,
            Collection<StorageClass> classes,
            Collection<Volume> volumes,
            Collection<Orphan> orphans,
            Collection<AgentRecord> agents,
            DkvLayout dkv,
            RebalanceState rebalance) {
        ClusterState s = new ClusterState();
        s.dkv.set(dkv);
        s.rebalance.set(rebalance);
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

    /** Starts a change: from here every put and remove is recorded until commit or roll-back. */
    public void begin() {
        journal.open();
    }

    /** Keeps the change. */
    public void commit() {
        journal.commit();
    }

    /** Undoes every put and remove since {@link #begin}; returns whether there was any. */
    public boolean rollBack() {
        boolean changed = journal.changed();
        journal.rollBack();
        return changed;
    }

    public Map<UUID, NodeRecord> nodes() {
        return nodes;
    }

    public Map<String, StorageClass> classes() {
        return classes;
    }

    public Map<UUID, Volume> volumes() {
        return volumes;
    }

    public Map<UUID, Orphan> orphans() {
        return orphans;
    }

    /** Client agents by host name. */
    public Map<String, AgentRecord> agents() {
        return agents;
    }

    /** The DKV's layout and quorum epoch. */
    public DkvLayout dkv() {
        return dkv.get();
    }

    public void setDkv(DkvLayout layout) {
        dkv.set(layout);
    }

    /** Whether the rebalance is paused, its spread, what it moved and is moving. */
    public RebalanceState rebalance() {
        return rebalance.get();
    }

    public void setRebalance(RebalanceState state) {
        rebalance.set(state);
    }

    public Optional<Volume> volumeNamed(String name) {
        return volumes.values().stream().filter(v -> v.name().equals(name)).findFirst();
    }

    /**
     * A volume by id or by name: text in the canonical form of a UUID is an id and nothing else,
     * other text a name (a name may not look like a UUID, so neither can shadow the other).
     */
    public Optional<Volume> volume(String idOrName) {
        Optional<UUID> id = CanonicalId.parse(idOrName);
        if (id.isPresent()) {
            return Optional.ofNullable(volumes.get(id.get()));
        }
        return volumeNamed(idOrName);
    }

    /** The node called {@code name}, if one is (the first by id, should an old state hold two). */
    public Optional<NodeRecord> nodeNamed(String name) {
        return nodes.values().stream().filter(n -> n.name().equals(name)).findFirst();
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
        return of(
                appliedIndex,
                nodes.values(),
                classes.values(),
                volumes.values(),
                orphans.values(),
                agents.values(),
                dkv.get(),
                rebalance.get());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterState s
                && s.appliedIndex == appliedIndex
                && s.nodes.equals(nodes)
                && s.classes.equals(classes)
                && s.volumes.equals(volumes)
                && s.orphans.equals(orphans)
                && s.agents.equals(agents)
                && s.dkv.get().equals(dkv.get())
                && s.rebalance.get().equals(rebalance.get());
    }

    @Override
    public int hashCode() {
        return Objects.hash(appliedIndex, nodes, classes, volumes, orphans, agents, dkv.get(), rebalance.get());
    }
}
