package dev.cairn.control.state;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.Views;
import dev.cairn.control.model.Attachment;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.Orphan;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import dev.cairn.control.placement.Placement;
import dev.cairn.control.placement.Sparing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's deterministic state machine: {@link #apply} takes a command from the replicated
 * log and changes the {@link ClusterState} (or refuses, changing nothing); the same commands in
 * the same order give the same state on every replica. Time, ids and secrets come in the command.
 *
 * <p>Apply is total: a command is first checked for what it must carry ({@link CommandChecks}),
 * then applied inside a journaled change of the state; a refusal, or an exception thrown half-way
 * (a bug), rolls the change back exactly, and the derived {@link LegIndex} and the cached {@link
 * Placement} are rebuilt if the command had touched them. So a refused command changes nothing,
 * by construction, and no command can poison the log.
 *
 * <p>One writer (the log applier) and many readers (the REST API): a read-write lock guards the
 * state; readers get values computed under the read lock.
 */
public final class ClusterStateMachine {
    private static final Logger log = LoggerFactory.getLogger(ClusterStateMachine.class);

    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private ClusterState state;
    private LegIndex index;
    /** Placement's view of free space, valid until anything but a volume creation changes. */
    private Placement placement;

    private double placementSpare = -1;
    /** Notified whenever the state changes; long polls wait on it. */
    private final Object applied = new Object();

    public ClusterStateMachine(ClusterState initial) {
        this.state = initial;
        this.index = LegIndex.of(initial);
    }

    /**
     * Applies the command at log position {@code logIndex}: it changes the state, or is refused with
     * a reason and changes nothing, the same way on every replica. It never throws: a command that
     * throws while applied (a bug) is rolled back and refused ({@link Outcome.Status#FAILED}), so
     * no log entry can stop the controller, on this run or when the log is replayed. The applied
     * index advances either way.
     */
    public Outcome apply(long logIndex, Command command) {
        lock.writeLock().lock();
        try {
            Outcome outcome = applyAtomically(logIndex, command);
            state.setAppliedIndex(logIndex);
            return outcome;
        } finally {
            lock.writeLock().unlock();
            appliedChanged();
        }
    }

    private Outcome applyAtomically(long logIndex, Command command) {
        long indexVersion = index.version();
        Placement cached = placement;
        long charged = cached == null ? 0 : cached.charged();
        String what = command == null ? "null" : command.getClass().getSimpleName();
        // Refused unless it completes: even an Error escaping (the JVM in trouble) leaves no change open.
        Outcome outcome = Outcome.refused(Outcome.Status.FAILED, "the controller failed to apply " + what);
        state.begin();
        try {
            Optional<String> malformed = CommandChecks.malformed(command);
            outcome = malformed.isPresent()
                    ? Outcome.refused(Outcome.Status.INVALID, malformed.get())
                    : dispatch(logIndex, command);
        } catch (RuntimeException | AssertionError e) {
            // Deterministic: the same command on the same state throws the same way on every replica.
            log.error("applying {} at log index {} threw; refused, the state is left as it was", what, logIndex, e);
            outcome = Outcome.refused(
                    Outcome.Status.FAILED, "the controller failed to apply " + what + " (a bug, logged): " + e);
        } finally {
            if (outcome.isOk()) {
                state.commit();
            } else {
                undo(indexVersion, cached, charged);
            }
        }
        return outcome;
    }

    /** Rolls back the change a refused command made, with what was derived from it. */
    private void undo(long indexVersion, Placement cached, long charged) {
        state.rollBack();
        if (index.version() != indexVersion) {
            index = LegIndex.of(state); // O(state), but only after a refusal that had already changed it
        }
        if (placement != null && (placement != cached || placement.charged() != charged)) {
            placement = null; // it charged legs that were rolled back
        }
    }

    private Outcome dispatch(long logIndex, Command command) {
        return switch (command) {
            case Command.RegisterNode c -> invalidating(NodeCommands.register(state, index, c, logIndex));
            case Command.Heartbeat c -> heartbeat(c, logIndex);
            case Command.MarkNodeOffline c -> invalidating(NodeCommands.markOffline(state, index, c, logIndex));
            case Command.SetNodeLabels c -> invalidating(NodeCommands.setLabels(state, index, c, logIndex));
            case Command.CreateClass c -> VolumeCommands.createClass(state, c);
            case Command.DeleteClass c -> VolumeCommands.deleteClass(state, c);
            case Command.CreateVolume c ->
                DkvCommands.reserving(
                        state,
                        index,
                        this::placement,
                        c.reservation(),
                        c.firstKey(),
                        logIndex,
                        first -> VolumeCommands.createVolume(
                                state, index, () -> placement(spareFor(c)), c.withFirstKey(first), logIndex));
            case Command.DeleteVolume c -> invalidating(VolumeCommands.deleteVolume(state, index, c, logIndex));
            case Command.EraseOrphan c -> NodeCommands.eraseOrphan(state, index, c, logIndex);
            case Command.AgentHeartbeat c -> AttachCommands.heartbeat(state, index, c, logIndex);
            case Command.AttachVolume c -> AttachCommands.attach(state, index, c, logIndex);
            case Command.DetachVolume c -> AttachCommands.detach(state, index, c, logIndex);
            case Command.DrainNode c -> invalidating(RepairCommands.drain(state, c));
            case Command.UndrainNode c -> invalidating(RepairCommands.undrain(state, c));
            case Command.AddReplica c ->
                RepairCommands.addReplica(state, index, () -> placement(c.spareFraction()), c, logIndex);
            case Command.RemoveReplica c -> RepairCommands.removeReplica(state, index, c, logIndex);
            case Command.ReplaceLeg c ->
                RepairCommands.replaceLeg(state, index, () -> placement(c.spareFraction()), c, logIndex);
            case Command.NoteRepair c -> RepairCommands.noteRepair(state, c);
            case Command.ReserveDkvKeys c ->
                DkvCommands.reserve(state, index, () -> placement(c.placement().spareFraction()), c, logIndex);
            case Command.ReplaceDkvMirror c ->
                DkvCommands.replaceMirror(
                        state, index, () -> placement(c.placement().spareFraction()), c, logIndex);
            case Command.DkvShardRecovered c -> DkvCommands.recovered(state, index, c, logIndex);
            case Command.PStoresStored c -> ErasureCommands.stored(state, index, c, logIndex);
            case Command.ReprotectBStores c -> invalidating(ReprotectCommands.start(state, index, c, logIndex));
            case Command.BStoresReplaced c -> invalidating(ReprotectCommands.replaced(state, index, c, logIndex));
            case Command.SetRebalance c -> RebalanceCommands.set(state, c);
            case Command.RemoveNode c -> invalidating(NodeRemoval.remove(state, index, c, logIndex));
            case Command.MoveLeg c ->
                RebalanceCommands.moveLeg(state, index, () -> placement(c.spareFraction()), c, logIndex);
            case Command.ResizeVolume c ->
                invalidating(DkvCommands.reserving(
                        state,
                        index,
                        this::placement,
                        c.reservation(),
                        c.firstKey(),
                        logIndex,
                        first -> ResizeCommands.resize(
                                state, index, placement(c.spareFraction()), c.withFirstKey(first), logIndex)));
            case Command.ErasureGrown c -> invalidating(ErasureGrowth.grown(state, index, c, logIndex));
        };
    }

    private void appliedChanged() {
        synchronized (applied) {
            applied.notifyAll();
        }
    }

    /** Waits until the state includes log index {@code index}; false if {@code wait} ran out first. */
    public boolean awaitApplied(long logIndex, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        synchronized (applied) {
            while (read(ClusterState::appliedIndex) < logIndex) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(applied, left);
            }
            return true;
        }
    }

    /**
     * The node's desired state once it changed after log index {@code after}, or as it is when
     * {@code wait} runs out (a long poll).
     */
    public Desired awaitDesired(UUID node, long after, Duration wait) throws InterruptedException {
        return await(() -> desired(node), Desired::changedAt, after, wait);
    }

    /**
     * The volumes attached to {@code host} once they changed after log index {@code after}, or as
     * they are when {@code wait} runs out (the agents' long poll).
     */
    public AgentApi.AgentDesiredView awaitAgentDesired(String host, long after, Duration wait)
            throws InterruptedException {
        return await(() -> agentDesired(host), AgentApi.AgentDesiredView::changedAt, after, wait);
    }

    private <T> T await(Supplier<T> read, ToLongFunction<T> changedAt, long after, Duration wait)
            throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        synchronized (applied) {
            T d = read.get();
            while (changedAt.applyAsLong(d) <= after) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(applied, left);
                d = read.get();
            }
            return d;
        }
    }

    /**
     * Most heartbeats repeat the last one; only one that changes what placement sees (the node's
     * state, drives or extents) drops the cached placement, so steady heartbeats cost nothing there.
     */
    private Outcome heartbeat(Command.Heartbeat c, long logIndex) {
        NodeRecord before = state.nodes().get(c.nodeId());
        Outcome o = NodeCommands.heartbeat(state, index, c, logIndex);
        NodeRecord after = state.nodes().get(c.nodeId());
        if (before == null
                || before.state() != after.state()
                || !before.drives().equals(after.drives())
                || !before.extents().equals(after.extents())) {
            return invalidating(o);
        }
        return o;
    }

    private Outcome invalidating(Outcome o) {
        if (o.isOk()) {
            placement = null;
        }
        return o;
    }

    /**
     * What a new volume's placement keeps free of every drive: the configured share, and for an
     * erasure-coded class at least the sparing space its BStores' reprotect needs.
     */
    private double spareFor(Command.CreateVolume c) {
        StorageClass sc = c.className() == null ? null : state.classes().get(c.className());
        return sc != null && sc.erasure().isPresent() ? Sparing.fraction(state, c.spareFraction()) : c.spareFraction();
    }

    private Placement placement(double spare) {
        if (placement == null || spare != placementSpare) {
            placement = Placement.of(state, spare);
            placementSpare = spare;
        }
        return placement;
    }

    /**
     * Whether {@code heartbeat} (a node's or an agent's) would change nothing now but when its
     * sender was last heard from, so that it need not be a log entry ({@link Liveness}).
     */
    public boolean changesOnlyLiveness(Command heartbeat) {
        lock.readLock().lock();
        try {
            return switch (heartbeat) {
                case Command.Heartbeat h -> NodeCommands.onlyLiveness(state, index, h);
                case Command.AgentHeartbeat a -> AttachCommands.onlyLiveness(state, a);
                default -> false;
            };
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Runs {@code query} against the state under the read lock; it must not keep references. */
    public <T> T read(Function<ClusterState, T> query) {
        lock.readLock().lock();
        try {
            return query.apply(state);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The legs a node should hold, the orphans it should erase, the copies of legs of detached
     * volumes it should make and the DKV's KV volumes it should serve (at the epoch), as of log index {@code appliedIndex}; {@code changedAt} is the index
     * at which any of them (or a leg's access) last changed.
     */
    public record Desired(
            long changedAt,
            long appliedIndex,
            List<Leg> legs,
            List<UUID> erase,
            List<Views.LegCopy> copies,
            long kvEpoch,
            long kvVolumeBytes,
            List<DkvLayout.Mirror> kvVolumes,
            List<Views.DesiredExtent> pendingBStores,
            List<Volume> erasureVolumes) {}

    /** One consistent read of a node's desired legs. */
    public Desired desired(UUID node) {
        lock.readLock().lock();
        try {
            List<Leg> legs = new ArrayList<>();
            List<Views.DesiredExtent> pending = new ArrayList<>();
            for (UUID extentId : index.desiredOn(node)) {
                Volume v = state.volumes().get(index.volumeOf(extentId));
                v.legs().stream().filter(l -> l.extentId().equals(extentId)).forEach(legs::add);
                v.erasure().ifPresent(e -> pending.addAll(ErasureViews.pendingOn(e, extentId)));
            }
            List<Volume> erasure = state.volumes().values().stream()
                    .filter(v -> v.erasure()
                            .filter(e -> e.stored() && e.nodes().contains(node))
                            .isPresent())
                    .toList();
            List<UUID> erase = state.orphans().values().stream()
                    .filter(o -> o.erase() && o.nodeId().equals(node))
                    .map(Orphan::extentId)
                    .toList();
            DkvLayout dkv = state.dkv();
            return new Desired(
                    index.changedAt(node),
                    state.appliedIndex(),
                    legs,
                    erase,
                    NodeCopies.forNode(state, index, node),
                    dkv.epoch(),
                    dkv.kvVolumeBytes(),
                    dkv.mirrorsOn(node),
                    pending,
                    erasure);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * One consistent read of what the agent on {@code host} must serve: each volume attached to it,
     * with what opens its legs (the nodes' current addresses, the secrets, the generation).
     */
    public AgentApi.AgentDesiredView agentDesired(String host) {
        lock.readLock().lock();
        try {
            List<AgentApi.AttachedVolume> volumes = new ArrayList<>();
            for (UUID id : index.attachedOn(host)) {
                Volume v = state.volumes().get(id);
                Attachment a = v.attachment().orElseThrow();
                List<AgentApi.AttachedLeg> legs = NodeCopies.openers(state, v);
                volumes.add(new AgentApi.AttachedVolume(
                        v.id(),
                        v.name(),
                        v.sizeBytes(),
                        state.classes().get(v.className()).regionSizeBytes(),
                        a.generation(),
                        legs,
                        v.erasure().map(ErasureViews::geometry)));
            }
            return new AgentApi.AgentDesiredView(state.appliedIndex(), index.agentChangedAt(host), volumes, 0);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** A copy of the whole state (for snapshots and tests). */
    public ClusterState snapshot() {
        return read(ClusterState::copy);
    }

    /** Replaces the state with a snapshot's. */
    public void restore(ClusterState restored) {
        lock.writeLock().lock();
        try {
            state = restored;
            index = LegIndex.of(restored);
            placement = null;
        } finally {
            lock.writeLock().unlock();
            appliedChanged();
        }
    }
}
