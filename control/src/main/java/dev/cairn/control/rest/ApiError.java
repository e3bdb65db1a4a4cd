package dev.cairn.control.rest;

import dev.cairn.control.state.Outcome;

/** A request refused with an HTTP status and a one-line reason; nothing was changed. */
final class ApiError extends RuntimeException {
    private final int status;

    ApiError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    int status() {
        return status;
    }

    static ApiError badRequest(String message) {
        return new ApiError(400, message);
    }

    /** The HTTP form of a refused command. */
    static ApiError of(Outcome o) {
        int status = switch (o.status()) {
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case INVALID -> 400;
            case UNPLACEABLE -> 422;
            case FAILED -> 500;
            case OK -> throw new IllegalArgumentException("not an error");
        };
        return new ApiError(status, o.message());
    }
}
