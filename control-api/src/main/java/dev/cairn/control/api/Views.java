package dev.cairn.control.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What the controller's REST API returns, typed: ids are {@link UUID}s, states enums, times
 * {@link Instant}s and durations {@link Duration}s (ISO-8601 on the wire: {@code
 * 2026-12-02T10:00:00Z}, {@code PT10M}), sizes {@code long} bytes. Secrets appear only in a node's
 * desired extents and an agent's attached legs.
 */
public final class Views {
    private Views() {}

    /** Whether a node is heard from. */
    public enum NodeState {
        /** Heartbeats arrive. */
        ONLINE,
        /** No heartbeat within the offline interval; nothing new is placed on it. */
        OFFLINE
    }

    /** Where a volume is in its life. */
    public enum VolumeState {
        /** Placed; not every leg exists yet. */
        CREATING,
        /** Every leg exists. */
        AVAILABLE
    }

    /** Where a leg is in its life. */
    public enum LegState {
        /** Placed; its node has not yet reported the extent. */
        CREATING,
        /** Its node reports the extent with the right size and generation. */
        READY
    }

    /** Where a node's copy of one of its legs is. */
    public enum CopyState {
        COPYING,
        /** The leg holds every acknowledged write and is named in the superblocks. */
        DONE,
        /** It cannot start yet ({@code message} says why). */
        WAITING,
        /** It failed ({@code message} says why); the node tries again. */
        FAILED
    }

    /** How well a volume is protected. */
    public enum VolumeHealth {
        /** As many legs as its class asks, all in sync, none missing. */
        HEALTHY,
        DEGRADED,
        /** An operator removed a leg below the class's count. */
        DEGRADED_BY_INTENT
    }

    public record Problem(String error) {}

    public record Health(String status, String peerId, boolean leader, long appliedIndex) {}

    /** A drive: its data area, what extents use, what is free, and what placement holds back. */
    public record DriveView(
            UUID id,
            long capacityBytes,
            long dataBytes,
            long usedBytes,
            long freeBytes,
            long largestFreeBytes,
            long spareBytes) {}

    public record ExtentView(UUID id, UUID driveId, long sizeBytes, boolean erasing, long generation) {}

    public record NodeView(
            UUID id,
            String name,
            NodeState state,
            String nbdAddress,
            String adminUrl,
            Map<String, String> labels,
            long capacityBytes,
            long usedBytes,
            long freeBytes,
            int extentCount,
            Instant registeredAt,
            Instant lastHeartbeat,
            List<DriveView> drives,
            List<ExtentView> extents,
            List<String> errors,
            Optional<DrainView> drain,
            List<CopyView> copies) {}

    /**
     * A copy a node makes of one of its legs of a detached volume (leg {@code extentId} at {@code
     * generation}), as it reports it in its heartbeat and the controller shows it: {@code state}
     * COPYING, DONE (the leg is in sync), WAITING (it cannot start yet; {@code message} says why)
     * or FAILED (it is retried; {@code message} says why), bytes done of those to copy, and the rate.
     */
    public record CopyView(
            UUID extentId,
            long generation,
            CopyState state,
            long doneBytes,
            long totalBytes,
            long bytesPerSecond,
            String message) {}

    /**
     * A node being drained: since when, how many legs are still on it, how many of those have a
     * replacement syncing, how many of the DKV's KV volumes (moved one shard at a time), how many
     * erasure-coded volumes still have BStores on it and how many of its BStores are being moved
     * (or moved but still used by their agent until it has switched), and what holds the others
     * back. Done when {@code legsLeft}, {@code kvVolumesLeft}, {@code erasureVolumesLeft} and {@code
     * bstoresMoving} are 0.
     */
    public record DrainView(
            Instant since,
            int legsLeft,
            int legsMoving,
            int kvVolumesLeft,
            List<String> waiting,
            int erasureVolumesLeft,
            int bstoresMoving) {}

    /**
     * {@code erasure}: the erasure code ("4+2") of an erasure-coded class, whose {@code replicas} is
     * 0; {@code spareNode}: it asks for sparing space to rebuild a whole lost node.
     */
    public record StorageClassView(
            String name,
            int replicas,
            String spreadAcross,
            Optional<String> prefer,
            Duration repairTimeout,
            long regionSizeBytes,
            boolean builtIn,
            Optional<String> erasure,
            boolean spareNode) {
        public StorageClassView {
            erasure = erasure == null ? Optional.empty() : erasure; // from controllers older than erasure codes
        }
    }

    /**
     * {@code sync}: the leg as the agent serving its volume last reported it (a {@link
     * AgentApi.LegSyncState} name), with {@code syncError} when it failed; empty while not attached
     * or not reported yet. {@code synced}: the leg exists and has held every acknowledged write at
     * least once (false while its node creates it, and for a leg added to a volume until its first
     * full sync ends). {@code missing}: why the leg counts as
     * missing (its node's heartbeat lost, or the node alive but the agent unable to reach it),
     * since {@code missingSince}. {@code replacedBy}: the extent of the leg that replaces this one;
     * this one is removed once that one is in sync, never before. {@code kept}: it was replaced
     * because it went missing; its extent is kept, written by nobody, until the replacement is in
     * sync, and if it comes back current enough to catch up first it is taken back instead.
     */
    public record LegView(
            int index,
            UUID nodeId,
            String nodeName,
            UUID driveId,
            UUID extentId,
            long extentSizeBytes,
            long generation,
            LegState state,
            Map<String, String> nodeLabels,
            Optional<AgentApi.LegSyncState> sync,
            Optional<String> syncError,
            boolean synced,
            Optional<String> missing,
            Optional<Instant> missingSince,
            Optional<UUID> replacedBy,
            boolean kept) {}

    /**
     * A volume's attachment: the host whose agent serves it, at which generation, since when, and
     * where: the agent's NBD address ("" if it has not reported one) and the export name (the
     * volume id, the same across reattachments and moves).
     */
    public record AttachmentView(String host, long generation, Instant since, String nbdAddress, String exportName) {}

    /**
     * {@code resync}: the attached agent's last report of resync progress, if any. {@code health}:
     * HEALTHY (as many legs as its class asks, all in sync, none missing), DEGRADED, or
     * DEGRADED_BY_INTENT (an operator removed a leg below the class's count); {@code problems} says
     * why, one line each (missing legs and their cause, syncs running, a repair that cannot be
     * placed and why).
     */
    public record VolumeView(
            UUID id,
            String name,
            long sizeBytes,
            @JsonProperty("class") String className,
            VolumeState state,
            Instant createdAt,
            List<LegView> legs,
            Optional<AttachmentView> attachment,
            Optional<AgentApi.ResyncReport> resync,
            VolumeHealth health,
            int replicas,
            List<String> problems,
            Optional<ErasureView> erasure,
            Optional<GrowthView> growing) {
        public VolumeView {
            erasure = erasure == null ? Optional.empty() : erasure; // from controllers older than erasure coding
            growing = growing == null ? Optional.empty() : growing; // from controllers older than resize
        }
    }

    /** Growing to {@code toBytes}; {@code waiting}: each leg whose node has not grown its extent yet. */
    public record GrowthView(long toBytes, List<String> waiting) {}

    /**
     * An erasure-coded volume's layout: its code, PStores of {@code pstoreBytes} of the volume,
     * chunks of {@code chunkBytes}; {@code layouts}: each PStore's BStores, read from the DKV, in a
     * single volume's view only (empty in lists, and while the volume is being created).
     */
    public record ErasureView(String code, int pstores, long pstoreBytes, int chunkBytes, List<PStoreView> layouts) {}

    /** One PStore: its BStores in member order (data, then parity). */
    public record PStoreView(int index, List<BStoreView> bstores) {}

    /** {@code role}: "data" or "parity"; {@code nodeState}: its node's (ONLINE, OFFLINE, or UNKNOWN). */
    public record BStoreView(
            int member, String role, UUID extentId, UUID nodeId, String nodeName, String nodeState, long sizeBytes) {}

    /** {@code erase}: the node erases it; otherwise it is kept until an operator asks (DELETE). */
    public record OrphanView(
            UUID extentId, UUID nodeId, String nodeName, long sizeBytes, Instant since, String reason, boolean erase) {}

    /** Per value of a label (a zone): how many nodes, how many online, how much space. */
    public record DomainView(int nodes, int online, long capacityBytes, long freeBytes) {}

    public record PeerView(String id, String address, boolean leader) {}

    public record ClusterView(
            String peerId,
            List<PeerView> peers,
            long appliedIndex,
            int nodes,
            int nodesOnline,
            long capacityBytes,
            long freeBytes,
            Map<String, DomainView> zones,
            int volumes,
            int volumesAvailable,
            int volumesCreating,
            int orphans,
            long orphanBytes,
            int agents,
            int volumesAttached,
            int volumesDegraded,
            int repairsRunning,
            ReprotectView reprotect,
            RebalanceView rebalance,
            List<String> problems) {}

    /**
     * The DKV as the controller keeps it: the quorum epoch, keys {@code firstKey} to {@code endKey}
     * - 1 in shards of {@code slotsPerShard}, {@code reservedKeys} of them handed out; a shard is
     * {@code recovering} while a mirror of it is being filled.
     */
    public record DkvView(
            long epoch, long firstKey, long slotsPerShard, long reservedKeys, long endKey, List<DkvShardView> shards) {
        public DkvView {
            shards = List.copyOf(shards);
        }
    }

    /** A shard: its mirrors, and the ones replaced while their node was away, kept until it is recovered. */
    public record DkvShardView(
            int index, boolean recovering, List<DkvMirrorView> mirrors, List<DkvMirrorView> retired) {
        public DkvShardView {
            mirrors = List.copyOf(mirrors);
            retired = retired == null ? List.of() : List.copyOf(retired);
        }
    }

    /**
     * A mirror of a shard: KV volume {@code extentId} on drive {@code driveId} of node {@code node},
     * served at {@code nbdAddress}; {@code ready} once it serves reads; {@code reportedEpoch} the
     * epoch its node last reported it at (-1: not reported). {@code secret} (what opens it) only in
     * the layout clients fetch, never in the status.
     */
    public record DkvMirrorView(
            UUID extentId,
            UUID nodeId,
            String node,
            NodeState nodeState,
            String nbdAddress,
            UUID driveId,
            boolean ready,
            long reportedEpoch,
            Optional<String> secret) {}

    /** What a reservation handed out: keys {@code firstKey} onwards, {@code keys} of them. */
    public record DkvReservation(long firstKey, long keys, boolean usable, DkvView dkv) {}

    /**
     * What an extent holds: a leg's data, one of the DKV's KV volumes (slots, under the slot rule),
     * or a BStore of an erasure-coded volume (its header, then its chunks).
     */
    public enum ExtentKind {
        DATA,
        KV,
        BSTORE
    }

    /**
     * An extent a node must have, with what a client needs to open it; a KV volume's generation is
     * the DKV's quorum epoch.
     */
    public record DesiredExtent(
            UUID id, UUID driveId, long sizeBytes, long generation, String secret, ExtentKind kind) {
        public DesiredExtent {
            kind = kind == null ? ExtentKind.DATA : kind; // from controllers older than the DKV
        }

        /** A leg's extent. */
        public DesiredExtent(UUID id, UUID driveId, long sizeBytes, long generation, String secret) {
            this(id, driveId, sizeBytes, generation, secret, ExtentKind.DATA);
        }
    }

    /**
     * A node's desired extents, and the orphans it must erase, as of log index {@code appliedIndex};
     * {@code changedAt} is the index at which they last changed (a node long-polls with {@code
     * after=changedAt}). {@code copies}: legs of detached volumes on this node that the node itself
     * fills or catches up from the volume's other legs, at most {@code copyBytesPerSecond} (0: no
     * cap) all together. {@code kvLeaseMillis}: how long the node may serve its KV volumes after
     * it last heard from the controller.
     */
    public record DesiredView(
            long appliedIndex,
            long changedAt,
            List<DesiredExtent> extents,
            List<UUID> erase,
            List<LegCopy> copies,
            long copyBytesPerSecond,
            long kvLeaseMillis,
            List<BStoreRebuild> rebuilds)
            implements Versioned {
        public DesiredView {
            copies = copies == null ? List.of() : List.copyOf(copies);
            rebuilds = rebuilds == null ? List.of() : List.copyOf(rebuilds); // controllers older than reprotect
        }

        /** Without rebuilds. */
        public DesiredView(
                long appliedIndex,
                long changedAt,
                List<DesiredExtent> extents,
                List<UUID> erase,
                List<LegCopy> copies,
                long copyBytesPerSecond,
                long kvLeaseMillis) {
            this(appliedIndex, changedAt, extents, erase, copies, copyBytesPerSecond, kvLeaseMillis, List.of());
        }

        /** Without a KV lease (a controller older than the DKV: the node serves no KV volume). */
        public DesiredView(
                long appliedIndex,
                long changedAt,
                List<DesiredExtent> extents,
                List<UUID> erase,
                List<LegCopy> copies,
                long copyBytesPerSecond) {
            this(appliedIndex, changedAt, extents, erase, copies, copyBytesPerSecond, 0);
        }

        /** Without copies. */
        public DesiredView(long appliedIndex, long changedAt, List<DesiredExtent> extents, List<UUID> erase) {
            this(appliedIndex, changedAt, extents, erase, List.of(), 0);
        }
    }

    /**
     * A leg of a detached volume that its node copies itself: leg {@code extentId} (on this node)
     * of volume {@code volumeId}, with every leg of the volume and what opens it at {@code
     * generation}. The node reads the legs' headers and bitmaps and copies what the leg needs (a new
     * leg every region, a leg that missed writes the dirty ones) from an in-sync leg, then writes
     * the superblocks. {@code kept}: the leg was replaced after it went missing, and may only be
     * caught up from the bitmap, never given a full copy.
     */
    public record LegCopy(
            UUID volumeId,
            String volumeName,
            long sizeBytes,
            long regionSizeBytes,
            long generation,
            UUID extentId,
            boolean kept,
            List<AgentApi.AttachedLeg> legs) {}
}
