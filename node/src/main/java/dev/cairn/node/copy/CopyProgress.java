package dev.cairn.node.copy;

import dev.cairn.control.api.Requests;
import dev.cairn.control.api.Views;
import java.time.InstantSource;

/**
 * How one copy is going, for the node's heartbeat: its state (COPYING, DONE, WAITING, FAILED), the
 * bytes done of those to copy in the current attempt, the rate, and what the node says. Written by
 * the copy's thread, read by the heartbeat's.
 */
final class CopyProgress {
    private final String extentId;
    private final long generation;
    private final InstantSource clock;
    private final Runnable onChange;
    private String state = "WAITING";
    private String message = "starting";
    private long doneBytes;
    private long totalBytes;
    private long startedMillis;

    CopyProgress(String extentId, long generation, InstantSource clock, Runnable onChange) {
        this.extentId = extentId;
        this.generation = generation;
        this.clock = clock;
        this.onChange = onChange;
    }

    synchronized void start(long bytes) {
        state = "COPYING";
        message = "";
        doneBytes = 0;
        totalBytes = bytes;
        startedMillis = clock.millis();
        onChange.run();
    }

    synchronized void copied(long bytes) {
        doneBytes += bytes;
    }

    void done() {
        set("DONE", "");
    }

    void waiting(String why) {
        set("WAITING", why);
    }

    void failed(String why) {
        set("FAILED", why);
    }

    private void set(String newState, String newMessage) {
        boolean changed;
        synchronized (this) {
            changed = !state.equals(newState) || !message.equals(newMessage);
            state = newState;
            message = newMessage;
        }
        if (changed) {
            onChange.run();
        }
    }

    synchronized boolean isDone() {
        return state.equals("DONE");
    }

    synchronized Views.CopyView report() {
        long rate = state.equals("COPYING") ? doneBytes * 1000 / Math.max(1, clock.millis() - startedMillis) : 0;
        return new Views.CopyView(
                extentId, generation, state, doneBytes, totalBytes, rate, Requests.reportable(message));
    }
}
