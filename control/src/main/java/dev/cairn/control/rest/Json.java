package dev.cairn.control.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.cairn.control.api.ControlJson;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.Outcome;
import dev.cairn.control.state.ReplicatedState;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.UUID;

/** Request parsing and command submission shared by the routes: every failure a clear 4xx. */
final class Json {
    static final ObjectMapper STRICT = ControlJson.strict();

    private Json() {}

    static <T> T body(Context ctx, Class<T> type) {
        String text = ctx.body();
        if (text.isBlank()) {
            throw ApiError.badRequest("request body is empty; expected a JSON object");
        }
        try {
            return STRICT.readValue(text, type);
        } catch (UnrecognizedPropertyException e) {
            throw ApiError.badRequest("unknown field '" + e.getPropertyName() + "'");
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("malformed JSON: " + e.getOriginalMessage());
        }
    }

    static void require(Object value, String field) {
        if (value == null) {
            throw ApiError.badRequest(field + " is required");
        }
    }

    static UUID uuid(String text, String what) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ApiError.badRequest(what + " '" + text + "' is not a UUID");
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

    /** Submits a command; a refused one becomes the matching HTTP error. */
    static Outcome submit(ReplicatedState state, Command c) throws IOException {
        Outcome o = state.submit(c);
        if (!o.isOk()) {
            throw ApiError.of(o);
        }
        ChangeLog.applied(c, o);
        return o;
    }
}
