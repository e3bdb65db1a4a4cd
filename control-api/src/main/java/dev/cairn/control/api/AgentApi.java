package dev.cairn.control.api;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What client agents and the controller say to each other. An agent heartbeats under its host name
 * (registering itself on the first one) with what it observes of the volumes it serves, and
 * long-polls the volumes attached to its host. Every attachment carries a generation: the legs are
 * opened with it, and storage nodes refuse connections holding an older one (fencing).
 */
public final class AgentApi {
    private AgentApi() {}

    /**
     * One leg of an attached volume, with what the agent needs to open it over NBD. {@code kept}:
     * the leg was replaced because it went missing; the agent takes it back if it returns current
     * enough to catch up (its header valid: it gets the dirty regions), and otherwise leaves it
     * untouched (never a full copy: its replacement is getting one). {@code moving} (a BStore): it
     * is being rebuilt on another node while it is well (a drain); the agent keeps it in use but
     * names it failed in the PStore's superblock and keeps every region written dirty, until its
     * replacement takes its place.
     */
    public record AttachedLeg(
            int index,
            UUID extentId,
            UUID nodeId,
            String nbdAddress,
            long extentSizeBytes,
            String secret,
            boolean kept,
            boolean moving) {

        /** A leg or BStore that is not moving. */
        public AttachedLeg(
                int index,
                UUID extentId,
                UUID nodeId,
                String nbdAddress,
                long extentSizeBytes,
                String secret,
                boolean kept) {
            this(index, extentId, nodeId, nbdAddress, extentSizeBytes, secret, kept, false);
        }
    }

    /**
     * A volume the agent must serve, at attachment generation {@code generation}: its legs, or (an
     * erasure-coded one, without legs) its {@code erasure} layout.
     */
    public record AttachedVolume(
            UUID volumeId,
            String name,
            long sizeBytes,
            long regionSizeBytes,
            long generation,
            List<AttachedLeg> legs,
            Optional<AttachedErasure> erasure) {
        public AttachedVolume {
            erasure = erasure == null ? Optional.empty() : erasure; // from controllers older than erasure coding
        }

        /** A replicated volume. */
        public AttachedVolume(
                UUID volumeId,
                String name,
                long sizeBytes,
                long regionSizeBytes,
                long generation,
                List<AttachedLeg> legs) {
            this(volumeId, name, sizeBytes, regionSizeBytes, generation, legs, Optional.empty());
        }
    }

    /**
     * How an erasure-coded volume lies on its BStores: a {@code k+m} code, rows of {@code k} chunks of
     * {@code chunkBytes}, PStores of {@code pstoreBytes}, bitmap regions of {@code regionRows} rows, a
     * header of {@code headerBytes} on every BStore; and for each PStore its BStores in member order
     * (data, then parity), each with what opens it (its {@code index} is its member number).
     */
    public record AttachedErasure(
            int k,
            int m,
            int chunkBytes,
            long pstoreBytes,
            int regionRows,
            long headerBytes,
            List<List<AttachedLeg>> pstores) {}

    /**
     * The volumes attached to one host as of log index {@code appliedIndex}; {@code changedAt} is the
     * index at which they (or their legs' addresses) last changed: the agent long-polls with
     * {@code after=changedAt}. {@code syncBytesPerSecond} caps what the agent's resyncs copy, all
     * volumes together (0: no cap). The legs of a volume may change at the same generation: a leg
     * that appears is new (it gets every region), one that disappears was removed (it is dropped).
     */
    public record AgentDesiredView(
            long appliedIndex, long changedAt, List<AttachedVolume> volumes, long syncBytesPerSecond)
            implements Versioned {}

    /** How a leg looks from the agent that serves its volume. */
    public enum LegSyncState {
        /** Holds every acknowledged write: takes reads and writes. */
        IN_SYNC,
        /** Connected, takes writes, being copied to from an in-sync leg; not read from. */
        SYNCING,
        /** Failed (error, timeout, connection lost); written regions stay dirty until it returns. */
        FAILED,
        /** Not connected yet since the attachment. */
        CONNECTING
    }

    /** {@code error}: why it failed, when it did. */
    public record LegReport(String extentId, LegSyncState state, Optional<String> error) {}

    /**
     * Resync progress of the volume: {@code doneBytes} of {@code totalBytes} in the sync running now
     * (both 0 when none runs), its rate, and {@code copiedBytes} copied by every resync since the
     * attachment.
     */
    public record ResyncReport(long doneBytes, long totalBytes, long bytesPerSecond, long copiedBytes) {}

    /** What the agent sees of one volume it serves under attachment generation {@code generation}. */
    public record VolumeReport(String volumeId, long generation, List<LegReport> legs, ResyncReport resync) {}

    /** An agent's heartbeat: where it serves NBD, and its volumes. */
    public record AgentHeartbeat(String nbdAddress, List<VolumeReport> volumes) {}

    /** Attach a volume to the agent on {@code host}; {@code force} moves it from another host. */
    public record Attach(String host, Boolean force) {}

    /** An agent as the controller knows it. */
    public record AgentView(String host, String nbdAddress, Instant lastHeartbeat, List<String> volumes) {}
}
