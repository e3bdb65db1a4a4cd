package dev.cairn.agent.replica;

import dev.cairn.control.api.AgentApi;
import java.time.InstantSource;

/**
 * Resync progress of one volume: the bytes done and to do in the syncs running now, their rate,
 * and every byte copied since the attachment (what a test or a benchmark compares with the regions
 * it dirtied).
 */
public final class ResyncProgress {
    private final InstantSource clock;
    private int running;
    private long doneBytes;
    private long totalBytes;
    private long copiedBytes;
    private long startedMillis;

    ResyncProgress(InstantSource clock) {
        this.clock = clock;
    }

    synchronized void start(long bytes) {
        if (running++ == 0) {
            doneBytes = 0;
            totalBytes = 0;
            startedMillis = clock.millis();
        }
        totalBytes += bytes;
    }

    synchronized void copied(long bytes) {
        doneBytes += bytes;
        copiedBytes += bytes;
    }

    synchronized void finish() {
        if (--running == 0) {
            doneBytes = 0;
            totalBytes = 0;
        }
    }

    public synchronized long copiedBytes() {
        return copiedBytes;
    }

    public synchronized AgentApi.ResyncReport report() {
        long elapsed = Math.max(1, clock.millis() - startedMillis);
        long rate = running == 0 ? 0 : doneBytes * 1000 / elapsed;
        return new AgentApi.ResyncReport(doneBytes, totalBytes, rate, copiedBytes);
    }
}
