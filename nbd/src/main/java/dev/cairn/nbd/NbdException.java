package dev.cairn.nbd;

import java.io.IOException;

/**
 * An operation answered with an NBD error value. Thrown by export implementations to choose the
 * error the client sees (with a message it can show), and by the client when the server answers
 * with an error.
 */
public final class NbdException extends IOException {
    private final int errno;

    public NbdException(int errno, String message) {
        super(message);
        if (errno == 0) {
            throw new IllegalArgumentException("an NBD error needs a nonzero error value");
        }
        this.errno = errno;
    }

    /** The NBD error value (one of {@code NbdProtocol.E*}). */
    public int errno() {
        return errno;
    }

    @Override
    public String getMessage() {
        return NbdProtocol.errorName(errno) + ": " + super.getMessage();
    }

    /** The message without the error name. */
    public String detail() {
        return super.getMessage();
    }
}
