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
     * Takes a heartbeat (a node's or an agent's). One that would change nothing but when its sender
     * was last heard from is only noted in the leader's memory ({@link Liveness}; a follower passes
     * it to the leader), not made a log entry; any other, or one the leader could not be told of,
     * is submitted like every command. This peer notes it too, for its own views.
     */
    static void heartbeat(ReplicatedState state, Command c, Liveness.Heard heard) throws IOException {
        refuseMalformed(c);
        if (!state.changesOnlyLiveness(c) || !state.heard(heard)) {
            submit(state, c);
        }
        state.liveness().note(heard);
    }

    private static void refuseMalformed(Command c) {
        Optional<String> malformed = CommandChecks.malformed(c);
        if (malformed.isPresent()) {
            throw ApiError.badRequest(malformed.get());
        }
    }
}
