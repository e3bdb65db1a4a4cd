package dev.cairn.agent.replica;

import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.legs.io.LegIo;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Where one leg is in its life, each state carrying what belongs to it: a leg taking writes has
 * its connection, a failed leg the reason. {@link #reported()} is the name the agent reports
 * ({@link LegSyncState}, part of the REST API).
 *
 * <p>The transitions are a table ({@link #check}); a move it does not list is a bug in the agent
 * and fails loudly rather than leaving a leg in a state nobody planned for:
 *
 * <pre>
 *   CONNECTING -> SYNCING | IN_SYNC | FAILED | CONNECTING
 *   SYNCING    -> SYNCING | IN_SYNC | FAILED | CONNECTING
 *   IN_SYNC    ->                     FAILED | CONNECTING
 *   FAILED     -> SYNCING | IN_SYNC | FAILED | CONNECTING
 * </pre>
 *
 * IN_SYNC is reached from SYNCING when a copy is done, and from any state but IN_SYNC at
 * assembly (when no leg is in sync, the plan decides which are fresh); SYNCING again from SYNCING
 * when a volume that lost every in-sync leg is assembled anew; FAILED again when a leg that could
 * not be opened is tried and still cannot; CONNECTING from anywhere when the volume is closed. An
 * in-sync leg never goes back to SYNCING without failing first: whatever it missed is only known
 * once it is failed (the event counter rises and the bitmap keeps what it needs).
 */
sealed interface LegState {

    /** The name the agent reports for this state. */
    LegSyncState reported();

    /** The connection, in the states that have one. */
    default Optional<LegIo> io() {
        return Optional.empty();
    }

    /** Why the leg failed (or, while syncing, why it last failed). */
    default Optional<String> error() {
        return Optional.empty();
    }

    /** Not opened yet (at attach, when the controller adds it), or closed with its volume. */
    record Connecting() implements LegState {
        @Override
        public LegSyncState reported() {
            return LegSyncState.CONNECTING;
        }
    }

    /**
     * Connected and taking writes while it is copied to; not read from. It keeps showing why it
     * last failed, if it did, until it is in sync.
     */
    record Syncing(LegIo connection, Optional<String> lastError) implements LegState {
        public Syncing {
            Objects.requireNonNull(connection, "a syncing leg has a connection");
            lastError.ifPresent(LegState::requireText);
        }

        @Override
        public LegSyncState reported() {
            return LegSyncState.SYNCING;
        }

        @Override
        public Optional<LegIo> io() {
            return Optional.of(connection);
        }

        @Override
        public Optional<String> error() {
            return lastError;
        }
    }

    /** Holds every acknowledged write: takes reads and writes. */
    record InSync(LegIo connection) implements LegState {
        public InSync {
            Objects.requireNonNull(connection, "an in-sync leg has a connection");
        }

        @Override
        public LegSyncState reported() {
            return LegSyncState.IN_SYNC;
        }

        @Override
        public Optional<LegIo> io() {
            return Optional.of(connection);
        }
    }

    /** Failed (an error, a timeout, a lost connection, removed): no connection, a reason. */
    record Failed(String reason) implements LegState {
        public Failed {
            requireText(reason);
        }

        @Override
        public LegSyncState reported() {
            return LegSyncState.FAILED;
        }

        @Override
        public Optional<String> error() {
            return Optional.of(reason);
        }
    }

    private static void requireText(String reason) {
        if (reason.isBlank()) {
            throw new IllegalArgumentException("a leg's error says what went wrong; it was blank");
        }
    }

    /** The legal moves, by reported name (see the table in the class comment). */
    Map<LegSyncState, Set<LegSyncState>> TRANSITIONS = transitions();

    private static Map<LegSyncState, Set<LegSyncState>> transitions() {
        Map<LegSyncState, Set<LegSyncState>> t = new EnumMap<>(LegSyncState.class);
        Set<LegSyncState> any = Set.copyOf(EnumSet.allOf(LegSyncState.class));
        t.put(LegSyncState.CONNECTING, any);
        t.put(LegSyncState.SYNCING, any);
        t.put(LegSyncState.IN_SYNC, Set.of(LegSyncState.FAILED, LegSyncState.CONNECTING));
        t.put(LegSyncState.FAILED, any);
        return Collections.unmodifiableMap(t);
    }

    /**
     * Fails with an {@link IllegalStateException} naming the leg and both states if the table does
     * not allow {@code from} to {@code to}.
     */
    static void check(Object leg, LegState from, LegState to) {
        if (!TRANSITIONS.get(from.reported()).contains(to.reported())) {
            throw new IllegalStateException(
                    leg + ": illegal transition from " + from.reported() + " to " + to.reported());
        }
    }
}
