package dev.cairn.control.state;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.model.ClusterState;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * A single, in-process "replica" without a log on disk: commands are applied at once, in order.
 * For tests of everything above the replication layer (the REST API, the monitors, the node and
 * the CLI against an in-process controller); no daemon uses it, so it ships only in the test-jar.
 */
public final class LocalReplicatedState implements ReplicatedState {
    private final ClusterStateMachine machine;
    private final Liveness liveness = new Liveness();
    private long index;
    private volatile boolean leader = true;
    private volatile boolean loaded = true;

    public LocalReplicatedState(ClusterState initial) {
        this.machine = new ClusterStateMachine(initial);
        this.index = initial.appliedIndex();
    }

    @Override
    public synchronized Outcome submit(Command command) {
        return machine.apply(++index, command);
    }

    @Override
    public <T> T read(Function<ClusterState, T> query) {
        return machine.read(query);
    }

    @Override
    public <T> T readLocal(Function<ClusterState, T> query) {
        return machine.read(query);
    }

    @Override
    public synchronized RaftStatus raftStatus() {
        return new RaftStatus(true, 1, index, index, 1);
    }

    @Override
    public ClusterStateMachine.Desired awaitDesired(UUID node, long after, Duration wait) throws InterruptedException {
        return machine.awaitDesired(node, after, wait);
    }

    @Override
    public AgentApi.AgentDesiredView awaitAgentDesired(String host, long after, Duration wait)
            throws InterruptedException {
        return machine.awaitAgentDesired(host, after, wait);
    }

    @Override
    public boolean changesOnlyLiveness(Command heartbeat) {
        return machine.changesOnlyLiveness(heartbeat);
    }

    @Override
    public Liveness liveness() {
        return liveness;
    }

    /** A follower here has no leader to pass it to: the heartbeat is logged instead. */
    @Override
    public boolean heard(Liveness.Heard heard) {
        if (!leader) {
            return false;
        }
        liveness.note(heard);
        return true;
    }

    @Override
    public String peerId() {
        return "local";
    }

    @Override
    public boolean isLeader() {
        return leader;
    }

    @Override
    public boolean loaded() {
        return loaded;
    }

    /** Whether this "replica" says it has loaded its state (it has by default); tests of the API change it. */
    public void load(boolean isLoaded) {
        loaded = isLoaded;
    }

    /** Whether this "replica" says it leads (it does by default); tests of the monitors change it. */
    public void lead(boolean leads) {
        leader = leads;
    }

    @Override
    public List<Peer> peers() {
        return List.of(new Peer("local", "in-process", true));
    }

    @Override
    public void close() {}
}
