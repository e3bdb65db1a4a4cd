package dev.cairn.node.copy;

import dev.cairn.control.api.Requests;
import dev.cairn.control.api.Views;
import java.time.InstantSource;
import java.util.UUID;

/**
 * How one copy is going, for the node's heartbeat: its state (COPYING, DONE, WAITING, FAILED), the
 * bytes done of those to copy in the current attempt, the rate, and what the node says. Written by
 * the copy's thread, read by the heartbeat's.
 */
final class CopyProgress {
    private final UUID extentId;
    private final long generation;
    private final InstantSource clock;
    private final Runnable onChange;
    private Views.CopyState state = Views.CopyState.WAITING;
    private String message = "starting";
    private long doneBytes;
    private long totalBytes;
    private long startedMillis;

    CopyProgress(UUID extentId, long generation, InstantSource clock, Runnable onChange) {
        this.extentId = extentId;
        this.generation = generation;
        this.clock = clock;
        this.onChange = onChange;
    }

    synchronized void start(long bytes) {
        state = Views.CopyState.COPYING;
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
        set(Views.CopyState.DONE, "");
    }

    void waiting(String why) {
        set(Views.CopyState.WAITING, why);
    }

    void failed(String why) {
        set(Views.CopyState.FAILED, why);
    }

    private void set(Views.CopyState newState, String newMessage) {
        boolean changed;
        synchronized (this) {
            changed = state != newState || !message.equals(newMessage);
            state = newState;
            message = newMessage;
        }
        if (changed) {
            onChange.run();
        }
    }

    synchronized boolean isDone() {
        return state == Views.CopyState.DONE;
    }

    synchronized Requests.CopyReport report() {
        long rate =
                state == Views.CopyState.COPYING ? doneBytes * 1000 / Math.max(1, clock.millis() - startedMillis) : 0;
        return new Requests.CopyReport(
                extentId.toString(),
                generation,
                state.name(),
                doneBytes,
                totalBytes,
                rate,
                Requests.reportable(message));
    }
}
