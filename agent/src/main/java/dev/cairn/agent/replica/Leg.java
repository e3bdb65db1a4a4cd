package dev.cairn.agent.replica;

import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.legs.io.LegIo;
import dev.cairn.legs.io.LegTarget;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One leg as the agent sees it: where it is, where it is in its life ({@link LegState}, moved
 * only by {@link LegSet} under its monitor) and how many requests it has outstanding. Any thread
 * reads both; a state and its connection are one value, so a reader never sees an in-sync leg
 * without its connection.
 */
final class Leg {
    /** One request to one leg. */
    interface Request<T> {
        CompletableFuture<T> run(Leg leg, LegIo io);
    }

    private volatile LegTarget target;
    private volatile LegState state = new LegState.Connecting();
    /**
     * Requests sent and not answered yet (reads go to the in-sync leg with the fewest): counted in
     * and out by {@link #send} only.
     */
    private final AtomicInteger outstanding = new AtomicInteger();

    Leg(LegTarget target) {
        this.target = target;
    }

    UUID id() {
        return target.extentId();
    }

    LegTarget target() {
        return target;
    }

    /** The controller moved the leg: used from the next connection on (maintenance thread only). */
    void retarget(LegTarget newTarget) {
        this.target = newTarget;
    }

    /** Where the leg is in its life, with its connection or its error. */
    LegState lifecycle() {
        return state;
    }

    /** The reported name of {@link #lifecycle()}. */
    LegSyncState state() {
        return state.reported();
    }

    Optional<LegIo> io() {
        return state.io();
    }

    Optional<String> error() {
        return state.error();
    }

    boolean writable() {
        LegSyncState s = state();
        return s == LegSyncState.IN_SYNC || s == LegSyncState.SYNCING;
    }

    /**
     * Moves the leg to {@code next} if the transition table allows it, else throws {@link
     * IllegalStateException}; returns the state it left. Only {@link LegSet} calls it, under its
     * monitor.
     */
    LegState moveTo(LegState next) {
        LegState from = state;
        LegState.check(this, from, next);
        state = next;
        return from;
    }

    /** Requests outstanding now. */
    int load() {
        return outstanding.get();
    }

    /**
     * Sends {@code request} over {@code io}, counted as outstanding until it completes or {@code
     * timeout} passes (then it fails with a {@link java.util.concurrent.TimeoutException}). An
     * exception thrown by the request is a failed answer too.
     */
    <T> CompletableFuture<T> send(Request<T> request, LegIo io, Duration timeout) {
        outstanding.incrementAndGet();
        CompletableFuture<T> sent;
        try {
            sent = request.run(this, io).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        return sent.whenComplete((answer, failure) -> outstanding.decrementAndGet());
    }

    @Override
    public String toString() {
        return target.toString();
    }
}
