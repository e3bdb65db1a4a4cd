package dev.cairn.control.state;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Optional;

/**
 * What applying a command did: OK (with the id of what it created or changed, if any), or why it
 * was refused. A refused command changed nothing.
 */
public record Outcome(Status status, String message, Optional<String> id) {

    /** Why a command was refused; the REST API maps these to HTTP statuses. */
    public enum Status {
        OK,
        NOT_FOUND,
        CONFLICT,
        INVALID,
        UNPLACEABLE,
        /** Applying it threw (a bug in the controller, logged where it happened); rolled back. */
        FAILED
    }

    public static Outcome ok(String id) {
        return new Outcome(Status.OK, "", Optional.of(id));
    }

    public static Outcome ok() {
        return new Outcome(Status.OK, "", Optional.empty());
    }

    public static Outcome refused(Status status, String message) {
        return new Outcome(status, message, Optional.empty());
    }

    @JsonIgnore
    public boolean isOk() {
        return status == Status.OK;
    }
}
