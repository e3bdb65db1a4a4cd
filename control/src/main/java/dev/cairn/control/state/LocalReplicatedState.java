package dev.cairn.control.state;

import dev.cairn.control.model.ClusterState;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * A single, in-process "replica" without a log on disk: commands are applied at once, in order.
 * For tests of everything above the replication layer (the REST API, the monitors).
 */
public final class LocalReplicatedState implements ReplicatedState {
    private final ClusterStateMachine machine;
    private long index;

    public LocalReplicatedState(ClusterState initial) {
        this.machine = new ClusterStateMachine(initial);
        this.index = initial.appliedIndex();
    }

    @Override
    public synchronized Outcome submit(Command command) {
        Outcome o = machine.apply(++index, command);
        notifyAll();
        return o;
    }

    @Override
    public <T> T read(Function<ClusterState, T> query) {
        return machine.read(query);
    }

    @Override
    public synchronized ClusterStateMachine.Desired awaitDesired(UUID node, long after, Duration wait)
            throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        ClusterStateMachine.Desired d = machine.desired(node);
        while (d.changedAt() <= after) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            wait(Math.max(1, left / 1_000_000));
            d = machine.desired(node);
        }
        return d;
    }

    @Override
    public String peerId() {
        return "local";
    }

    @Override
    public boolean isLeader() {
        return true;
    }

    @Override
    public List<Peer> peers() {
        return List.of(new Peer("local", "in-process", true));
    }

    @Override
    public void close() {}
}
