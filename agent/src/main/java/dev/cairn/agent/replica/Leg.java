package dev.cairn.agent.replica;

import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.legs.io.LegIo;
import dev.cairn.legs.io.LegTarget;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One leg as the agent sees it: where it is, its connection, and its state. State changes go
 * through {@link LegSet}, which owns them; I/O threads only read the volatile fields.
 */
final class Leg {
    private volatile LegTarget target;
    private volatile LegSyncState state = LegSyncState.CONNECTING;
    private volatile LegIo io;
    private volatile String error = "";
    /** Requests sent and not yet answered: reads go to the in-sync leg with the fewest. */
    final AtomicInteger outstanding = new AtomicInteger();

    Leg(LegTarget target) {
        this.target = target;
    }

    UUID id() {
        return target.extentId();
    }

    LegTarget target() {
        return target;
    }

    void retarget(LegTarget newTarget) {
        this.target = newTarget;
    }

    LegSyncState state() {
        return state;
    }

    Optional<LegIo> io() {
        return Optional.ofNullable(io);
    }

    Optional<String> error() {
        return error.isEmpty() ? Optional.empty() : Optional.of(error);
    }

    /** Only {@link LegSet} calls these, under its lock. */
    void set(LegSyncState newState, LegIo newIo, String newError) {
        this.state = newState;
        this.io = newIo;
        this.error = newError;
    }

    boolean writable() {
        LegSyncState s = state;
        return s == LegSyncState.IN_SYNC || s == LegSyncState.SYNCING;
    }

    @Override
    public String toString() {
        return target.toString();
    }
}
