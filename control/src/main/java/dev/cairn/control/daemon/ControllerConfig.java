package dev.cairn.control.daemon;

import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.model.Limits;
import dev.cairn.control.raft.RaftSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * Everything a controller peer starts with.
 *
 * @param raft this peer, the controller group and where the log and snapshots live
 * @param restListen the REST API's address (port 0: any free port)
 * @param adminToken, readToken, nodeToken files holding the bearer tokens; each defaults to {@code
 *     DATA/tokens/ROLE.token}, made on first start
 * @param offlineAfter a node that has not heartbeated for this long is marked offline
 * @param spareFraction the share of every drive that placement keeps free
 * @param repairSyncsPerNode first syncs of new legs one node may take at once
 * @param repairBytesPerSecond what each agent's resyncs may copy per second (0: no limit)
 * @param readyFile where to write the actual addresses once serving, for scripts and harnesses
 * @param restTls when present, the REST API is served over HTTPS only, with this server context
 * @param dkv how the DKV's shards are mirrored
 */
public record ControllerConfig(
        RaftSettings raft,
        InetSocketAddress restListen,
        Optional<Path> adminToken,
        Optional<Path> readToken,
        Optional<Path> nodeToken,
        Duration offlineAfter,
        double spareFraction,
        int repairSyncsPerNode,
        long repairBytesPerSecond,
        Optional<Path> readyFile,
        Optional<SSLContext> restTls,
        Dkv dkv) {

    /** Mirrors of each DKV shard (on distinct nodes), and the most KV volumes placed on one drive. */
    public record Dkv(int mirrors, int kvVolumesPerDrive) {
        public static final Dkv DEFAULT = new Dkv(DkvLayout.DEFAULT_MIRRORS, DkvLayout.DEFAULT_PER_DRIVE);

        public Dkv {
            if (mirrors < 1 || mirrors > DkvLayout.MAX_MIRRORS) {
                throw new IllegalArgumentException(
                        "dkv-mirrors must be from 1 to " + DkvLayout.MAX_MIRRORS + ", got " + mirrors);
            }
            if (kvVolumesPerDrive < 1 || kvVolumesPerDrive > DkvLayout.MAX_PER_DRIVE) {
                throw new IllegalArgumentException("kv-volumes-per-drive must be from 1 to " + DkvLayout.MAX_PER_DRIVE
                        + ", got " + kvVolumesPerDrive);
            }
        }
    }

    public ControllerConfig {
        Objects.requireNonNull(dkv, "dkv");
        if (offlineAfter.compareTo(Duration.ofSeconds(1)) < 0 || offlineAfter.compareTo(Limits.MAX_DURATION) > 0) {
            throw new IllegalArgumentException(
                    "offline-after must be from 1 s to " + Limits.MAX_DURATION.toDays() + " days, got " + offlineAfter);
        }
        if (!(spareFraction >= 0 && spareFraction < 0.5)) {
            throw new IllegalArgumentException("spare fraction must be from 0 to 0.5, got " + spareFraction);
        }
        if (repairSyncsPerNode < 1) {
            throw new IllegalArgumentException("repair syncs per node must be at least 1, got " + repairSyncsPerNode);
        }
        if (repairBytesPerSecond < 0) {
            throw new IllegalArgumentException("repair bandwidth cannot be negative, got " + repairBytesPerSecond);
        }
    }

    /**
     * How long a node serves its KV volumes after it last heard from the controller: two thirds of
     * {@link #offlineAfter}, so that a node cut off stops before it could be marked offline and its
     * mirrors replaced.
     */
    public Duration kvLease() {
        return offlineAfter.multipliedBy(2).dividedBy(3);
    }

    public Path dataDir() {
        return raft.dataDir();
    }
}
