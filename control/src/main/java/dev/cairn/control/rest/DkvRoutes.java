package dev.cairn.control.rest;

import dev.cairn.control.api.Requests;
import dev.cairn.control.api.Views;
import dev.cairn.control.api.Wait;
import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.DkvPlanner;
import dev.cairn.control.state.Outcome;
import dev.cairn.control.state.ReplicatedState;
import dev.cairn.control.state.Secrets;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.UUID;

/**
 * The DKV's routes: its status (no secrets), the layout its clients fetch (with what opens each
 * mirror: the admin or node token only), and reservations of room for more keys.
 */
final class DkvRoutes {
    /** The longest a reservation waits for its new shards to be usable. */
    private static final Duration MAX_WAIT = Duration.ofMinutes(2);
    /** How many times a reservation that raced with another change is asked again. */
    private static final int ATTEMPTS = 3;

    private final ReplicatedState state;
    private final InstantSource clock;
    private final Command.DkvPlacement placement;

    DkvRoutes(ReplicatedState state, InstantSource clock, Command.DkvPlacement placement) {
        this.state = state;
        this.clock = clock;
        this.placement = placement;
    }

    /** GET /v1/dkv */
    void status(Context ctx) throws IOException {
        ctx.json(state.read(s -> DkvViews.of(s, false)));
    }

    /** GET /v1/internal/dkv/layout */
    void layout(Context ctx) throws IOException {
        ctx.json(state.read(s -> DkvViews.of(s, true)));
    }

    /** POST /v1/dkv/reserve {"keys": N, "waitMillis": M} */
    void reserve(Context ctx) throws IOException {
        Requests.ReserveDkv r = Json.body(ctx, Requests.ReserveDkv.class);
        Json.require(r.keys(), "keys");
        if (r.keys() < 1 || r.keys() > DkvLayout.MAX_KEYS) {
            throw ApiError.badRequest("keys must be from 1 to " + DkvLayout.MAX_KEYS + ", got " + r.keys());
        }
        long waitMillis = r.waitMillis() == null ? 30_000 : r.waitMillis();
        if (waitMillis < 0 || waitMillis > MAX_WAIT.toMillis()) {
            throw ApiError.badRequest("waitMillis must be from 0 to " + MAX_WAIT.toMillis() + ", got " + waitMillis);
        }
        Outcome o = reserveKeys(r.keys());
        long first = Long.parseLong(o.id().orElseThrow());
        int fromShard =
                state.read(s -> (int) ((first - DkvLayout.FIRST_KEY) / s.dkv().slotsPerShard()));
        boolean usable = awaitUsable(fromShard, Duration.ofMillis(waitMillis));
        ctx.status(201).json(new Views.DkvReservation(first, r.keys(), usable, state.read(s -> DkvViews.of(s, false))));
    }

    /**
     * Submits a reservation of {@code keys} keys, asking again (up to {@link #ATTEMPTS} times) when
     * another change made the ids it carries too few; any other refusal is the caller's error.
     */
    Outcome reserveKeys(long keys) throws IOException {
        return submitReserving(() -> reservation(keys));
    }

    /** A reservation of {@code keys} more keys as the DKV stands now (new shards placed when applied). */
    Command.ReserveDkvKeys reservation(long keys) throws IOException {
        return state.read(
                s -> DkvPlanner.reserve(s, keys, placement, UUID::randomUUID, Secrets::newSecret, clock.millis()));
    }

    /**
     * Submits the command {@code command} makes (afresh for each attempt: a reservation of DKV keys,
     * or a volume's creation or growth carrying one), asking again up to {@link #ATTEMPTS} times
     * when it raced with another change ("...; ask again": the ids it carries too few, or taken).
     */
    Outcome submitReserving(CommandMaker command) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return Json.submit(state, command.make());
            } catch (ApiError e) {
                if (e.status() != 409 || !e.getMessage().endsWith("ask again") || attempt == ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** Makes a command, reading the replicated state. */
    interface CommandMaker {
        Command make() throws IOException;
    }

    /** Waits until every mirror of shards {@code from} onwards is served at the current epoch. */
    private boolean awaitUsable(int from, Duration wait) throws IOException {
        try {
            return Wait.real().until(wait, () -> state.read(s -> DkvPlanner.usable(s, from)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for new DKV shards");
        }
    }
}
