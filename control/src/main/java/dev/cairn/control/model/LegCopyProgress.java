package dev.cairn.control.model;

import java.util.UUID;

/**
 * How a node's own copy of one of its legs (of a detached volume) is going, as the node last
 * reported it: the leg's extent, the generation the copy works at, its state, bytes done of the
 * bytes to copy and the rate, and what the node says (why it waits or failed).
 */
public record LegCopyProgress(
        UUID extentId,
        long generation,
        State state,
        long doneBytes,
        long totalBytes,
        long bytesPerSecond,
        String message) {

    /** Where the copy is. */
    public enum State {
        /** Copying. */
        COPYING,
        /** Done: the leg holds every acknowledged write and is named in the superblocks. */
        DONE,
        /** Cannot start yet (no leg to copy from is reachable, a kept leg that cannot catch up). */
        WAITING,
        /** Failed; the node tries again. */
        FAILED
    }

    public LegCopyProgress {
        message = message == null ? "" : message;
    }
}
