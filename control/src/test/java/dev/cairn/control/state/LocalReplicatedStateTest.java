package dev.cairn.control.state;

import dev.cairn.control.model.ClusterState;

/** The in-process state used by tests keeps the same promises as the replicated one. */
class LocalReplicatedStateTest extends ReplicatedStateContract {
    @Override
    protected ReplicatedState start() {
        return new LocalReplicatedState(ClusterState.empty());
    }
}
