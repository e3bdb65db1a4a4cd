package dev.cairn.control.api;

import java.io.IOException;

/** A call to the controller failed: the HTTP status and the server's one-line reason, or unreachable (0). */
public final class ControlException extends IOException {
    private final int status;

    public ControlException(int status, String message) {
        super(message);
        this.status = status;
    }

    public ControlException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
    }

    /** The HTTP status, or 0 when no controller could be reached. */
    public int status() {
        return status;
    }
}
