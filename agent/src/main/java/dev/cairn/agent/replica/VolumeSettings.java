package dev.cairn.agent.replica;

import java.time.Duration;
import java.time.InstantSource;

/**
 * How an attached volume treats its legs (the agent's settings, the same for every volume).
 *
 * @param legTimeout a leg that does not answer a request (or a handshake) within this is failed
 * @param retryEvery how often failed legs are tried again
 * @param sweepEvery how often the bitmap is swept (bits clear within two sweeps of the last write)
 * @param copyWorkers regions copied at once by one resync
 * @param fillRecordEveryBytes bytes a full copy copies between two fill records on the new leg, at
 *     most (a copy of a small volume records more often: at least 16 times)
 */
public record VolumeSettings(
        Duration legTimeout,
        Duration retryEvery,
        Duration sweepEvery,
        int copyWorkers,
        InstantSource clock,
        long fillRecordEveryBytes) {
    /** Regions one resync copies at once unless told otherwise. */
    public static final int DEFAULT_COPY_WORKERS = 8;

    public static final int MAX_COPY_WORKERS = 256;

    /** Each fill record costs a flush of the new leg; 64 MiB makes that cost nothing. */
    public static final long DEFAULT_FILL_RECORD_EVERY_BYTES = 64L << 20;

    public VolumeSettings {
        if (copyWorkers < 1 || copyWorkers > MAX_COPY_WORKERS) {
            throw new IllegalArgumentException(
                    "a resync copies 1 to " + MAX_COPY_WORKERS + " regions at once, not " + copyWorkers);
        }
        if (fillRecordEveryBytes < 1) {
            throw new IllegalArgumentException("fill records every " + fillRecordEveryBytes + " bytes");
        }
    }

    public VolumeSettings(
            Duration legTimeout, Duration retryEvery, Duration sweepEvery, int copyWorkers, InstantSource clock) {
        this(legTimeout, retryEvery, sweepEvery, copyWorkers, clock, DEFAULT_FILL_RECORD_EVERY_BYTES);
    }

    public static VolumeSettings defaults() {
        return new VolumeSettings(
                Duration.ofSeconds(5),
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                DEFAULT_COPY_WORKERS,
                InstantSource.system());
    }
}
