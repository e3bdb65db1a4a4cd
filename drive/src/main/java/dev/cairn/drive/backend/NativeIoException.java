package dev.cairn.drive.backend;

import java.io.IOException;

/** A failed system call: which call, the errno, and the system's text for it. */
public final class NativeIoException extends IOException {
    private final int errno;

    public NativeIoException(String call, int errno, String text) {
        super(call + " failed: " + text + " (errno " + errno + ")");
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
