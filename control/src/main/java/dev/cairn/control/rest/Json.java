package dev.cairn.control.rest;

import dev.cairn.control.api.RequestBodies;
import dev.cairn.control.model.CanonicalId;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.CommandChecks;
import dev.cairn.control.state.Liveness;
import dev.cairn.control.state.Outcome;
import dev.cairn.control.state.ReplicatedState;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/** Request parsing and command submission shared by the routes: every failure a clear 4xx. */
final class Json {
    private Json() {}

    /** The request's body as a {@code type}, read strictly: anything else is a 400 saying what was wrong. */
    static <T> T body(Context ctx, Class<T> type) {
        try {
            return RequestBodies.read(ctx.body(), type);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
    }

    static void require(Object value, String field) {
        if (value == null) {
            throw ApiError.badRequest(field + " is required");
        }
    }

    /** An id, in the canonical form ids are written in (36 characters). */
    static UUID uuid(String text, String what) {
        return CanonicalId.parse(text).orElseThrow(() -> ApiError.badRequest(what + " '" + text + "' is not a UUID"));
    }

    /** Refuses a list or map of more than {@code max} items. */
    static void atMost(int size, int max, String what) {
        if (size > max) {
            throw ApiError.badRequest(what + ": " + size + " given, at most " + max + " allowed");
        }
    }

    static long longParam(Context ctx, String name, long dflt) {
        String v = ctx.queryParam(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("query parameter " + name + "='" + v + "' is not a number");
        }
    }

    /**
     * Submits a command; a refused one becomes the matching HTTP error. A command that could never
     * be applied (a field missing or out of bounds) is refused here, before it reaches the log.
     */
    static Outcome submit(ReplicatedState state, Command c) throws IOException {
        refuseMalformed(c);
        Outcome o = state.submit(c);
        if (!o.isOk()) {
            throw ApiError.of(o);
        }
        ChangeLog.applied(c, o);
        return o;
    }

    /**
     * Takes a heartbeat (a node's or an agent's). On the leader, one that would change nothing but
     * when its sender was last heard from is only noted in memory ({@link Liveness}), not made a log
     * entry; any other is submitted like every command. A follower submits every one: the leader,
     * which judges nodes offline, does not see a follower's memory.
     */
    static void heartbeat(ReplicatedState state, Command c, Consumer<Liveness> heard) throws IOException {
        refuseMalformed(c);
        if (!state.isLeader() || !state.changesOnlyLiveness(c)) {
            submit(state, c);
        }
        heard.accept(state.liveness());
    }

    private static void refuseMalformed(Command c) {
        Optional<String> malformed = CommandChecks.malformed(c);
        if (malformed.isPresent()) {
            throw ApiError.badRequest(malformed.get());
        }
    }
}
