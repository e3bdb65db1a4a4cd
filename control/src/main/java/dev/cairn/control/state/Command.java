package dev.cairn.control.state;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.LegCopyProgress;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.VolumeReport;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A change to the cluster, as it travels through the replicated log. Everything that is not a
 * pure function of the state (time, new ids, secrets) is decided before the command is proposed
 * and carried in it, so that applying it gives the same result on every replica.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Command.RegisterNode.class, name = "register-node"),
    @JsonSubTypes.Type(value = Command.Heartbeat.class, name = "heartbeat"),
    @JsonSubTypes.Type(value = Command.MarkNodeOffline.class, name = "mark-node-offline"),
    @JsonSubTypes.Type(value = Command.SetNodeLabels.class, name = "set-node-labels"),
    @JsonSubTypes.Type(value = Command.CreateClass.class, name = "create-class"),
    @JsonSubTypes.Type(value = Command.DeleteClass.class, name = "delete-class"),
    @JsonSubTypes.Type(value = Command.CreateVolume.class, name = "create-volume"),
    @JsonSubTypes.Type(value = Command.DeleteVolume.class, name = "delete-volume"),
    @JsonSubTypes.Type(value = Command.EraseOrphan.class, name = "erase-orphan"),
    @JsonSubTypes.Type(value = Command.AgentHeartbeat.class, name = "agent-heartbeat"),
    @JsonSubTypes.Type(value = Command.AttachVolume.class, name = "attach-volume"),
    @JsonSubTypes.Type(value = Command.DetachVolume.class, name = "detach-volume"),
    @JsonSubTypes.Type(value = Command.DrainNode.class, name = "drain-node"),
    @JsonSubTypes.Type(value = Command.UndrainNode.class, name = "undrain-node"),
    @JsonSubTypes.Type(value = Command.AddReplica.class, name = "add-replica"),
    @JsonSubTypes.Type(value = Command.RemoveReplica.class, name = "remove-replica"),
    @JsonSubTypes.Type(value = Command.ReplaceLeg.class, name = "replace-leg"),
    @JsonSubTypes.Type(value = Command.NoteRepair.class, name = "note-repair"),
    @JsonSubTypes.Type(value = Command.ReserveDkvKeys.class, name = "reserve-dkv-keys"),
    @JsonSubTypes.Type(value = Command.ReplaceDkvMirror.class, name = "replace-dkv-mirror"),
    @JsonSubTypes.Type(value = Command.DkvShardRecovered.class, name = "dkv-shard-recovered"),
    @JsonSubTypes.Type(value = Command.PStoresStored.class, name = "pstores-stored"),
    @JsonSubTypes.Type(value = Command.ReprotectBStores.class, name = "reprotect-bstores"),
    @JsonSubTypes.Type(value = Command.BStoresReplaced.class, name = "bstores-replaced"),
    @JsonSubTypes.Type(value = Command.SetRebalance.class, name = "set-rebalance"),
    @JsonSubTypes.Type(value = Command.MoveLeg.class, name = "move-leg"),
    @JsonSubTypes.Type(value = Command.RemoveNode.class, name = "remove-node"),
    @JsonSubTypes.Type(value = Command.ResizeVolume.class, name = "resize-volume"),
    @JsonSubTypes.Type(value = Command.ErasureGrown.class, name = "erasure-grown")
})
public sealed interface Command {

    /**
     * A node announces itself (on every start): where it serves, its labels, its drives, its name
     * (null from nodes older than names, and in entries logged before them: the node keeps the
     * name it has, or is named after its {@code host} label).
     */
    record RegisterNode(
            UUID nodeId,
            String nbdAddress,
            String adminUrl,
            Map<String, String> labels,
            List<DriveState> drives,
            long atMillis,
            String name)
            implements Command {

        /** Without a name. */
        public RegisterNode(
                UUID nodeId,
                String nbdAddress,
                String adminUrl,
                Map<String, String> labels,
                List<DriveState> drives,
                long atMillis) {
            this(nodeId, nbdAddress, adminUrl, labels, drives, atMillis, null);
        }
    }

    /**
     * A node's inventory: drives, extents, errors, and its own copies of legs of detached volumes.
     * Also proves it is alive. {@code reconciledIndex} is the applied index of the last desired
     * state the node converged on (-1: none yet).
     */
    record Heartbeat(
            UUID nodeId,
            List<DriveState> drives,
            List<ObservedExtent> extents,
            List<String> errors,
            long reconciledIndex,
            long atMillis,
            List<LegCopyProgress> copies)
            implements Command {
        public Heartbeat {
            copies = copies == null ? List.of() : List.copyOf(copies); // entries written before copies
        }

        /** A heartbeat without copies. */
        public Heartbeat(
                UUID nodeId,
                List<DriveState> drives,
                List<ObservedExtent> extents,
                List<String> errors,
                long reconciledIndex,
                long atMillis) {
            this(nodeId, drives, extents, errors, reconciledIndex, atMillis, List.of());
        }
    }

    /** The leader noticed no heartbeat for {@code offlineAfterMillis}; applied only if still true. */
    record MarkNodeOffline(UUID nodeId, long atMillis, long offlineAfterMillis) implements Command {}

    /** The operator sets and removes labels of a node. */
    record SetNodeLabels(UUID nodeId, Map<String, String> set, List<String> remove) implements Command {}

    record CreateClass(StorageClass storageClass) implements Command {}

    record DeleteClass(String name) implements Command {}

    /**
     * Creates a volume: its legs (or its PStores' BStores) are placed when this is applied, using the
     * extent ids and secrets carried here (one per leg, or per BStore of every PStore in order), with
     * {@code spareFraction} of every drive held back. For an erasure-coded class, {@code
     * reservation} reserves the DKV keys for its PStores' layouts when this is applied (its first
     * key the volume's; a refused volume reserves nothing); entries logged before carry the first of
     * keys reserved beforehand in {@code firstKey} instead (0 otherwise).
     */
    record CreateVolume(
            UUID volumeId,
            String name,
            long sizeBytes,
            String className,
            List<UUID> extentIds,
            List<String> secrets,
            double spareFraction,
            long atMillis,
            long firstKey,
            ReserveDkvKeys reservation)
            implements Command {

        /** The same volume, its DKV keys from {@code first} on. */
        public CreateVolume withFirstKey(long first) {
            return new CreateVolume(
                    volumeId, name, sizeBytes, className, extentIds, secrets, spareFraction, atMillis, first, null);
        }

        /** A replicated volume. */
        public CreateVolume(
                UUID volumeId,
                String name,
                long sizeBytes,
                String className,
                List<UUID> extentIds,
                List<String> secrets,
                double spareFraction,
                long atMillis) {
            this(volumeId, name, sizeBytes, className, extentIds, secrets, spareFraction, atMillis, 0, null);
        }
    }

    /** The operator asks for an orphan the controller never knew to be erased by its node. */
    record EraseOrphan(UUID extentId, long atMillis) implements Command {}

    /**
     * Deletes a volume (by name or id): its legs become orphans, which their nodes reclaim. An
     * erasure-coded volume's BStores, read from its PStores' layouts in the DKV before this is
     * proposed, are carried in {@code bstores} and become orphans as well.
     */
    record DeleteVolume(String volume, long atMillis, List<Orphaned> bstores) implements Command {
        public DeleteVolume {
            bstores = bstores == null ? List.of() : List.copyOf(bstores); // entries logged before erasure coding
        }

        /** A replicated volume. */
        public DeleteVolume(String volume, long atMillis) {
            this(volume, atMillis, List.of());
        }
    }

    /** An extent that becomes an orphan: its node erases it. */
    record Orphaned(UUID extentId, UUID nodeId, long sizeBytes) {}

    /**
     * The restriper stored the layouts of the PStores of erasure-coded volume {@code volumeId} in
     * the DKV, after every BStore was created by its node: the volume's state forgets them (they are
     * read from the DKV from now on) and the volume is available.
     */
    record PStoresStored(UUID volumeId, long atMillis) implements Command {}

    /**
     * The restriper starts rebuilding BStores of erasure-coded volume {@code volumeId} (lost past
     * the class's repair timeout) into new BStores, placed in the sparing space of other drives: the
     * new ones' nodes make them and fill them from the PStores' other members. {@code rebalance}: the
     * rebalance's moves (counted among its moves once they end).
     */
    record ReprotectBStores(UUID volumeId, List<ErasureLayout.Rebuild> rebuilds, long atMillis, boolean rebalance)
            implements Command {
        public ReprotectBStores {
            rebuilds = rebuilds == null ? List.of() : List.copyOf(rebuilds);
        }

        /** Rebuilds of the reprotect (or a drain's moves), not the rebalance's. */
        public ReprotectBStores(UUID volumeId, List<ErasureLayout.Rebuild> rebuilds, long atMillis) {
            this(volumeId, rebuilds, atMillis, false);
        }
    }

    /**
     * The restriper wrote the layouts that name the filled replacements of rebuilt BStores of volume
     * {@code volumeId} to the DKV: those rebuilds are over and the old BStores become orphans.
     * {@code nodes}: the nodes the volume's layouts name now (empty: as they were).
     */
    record BStoresReplaced(UUID volumeId, List<Replaced> replaced, List<UUID> nodes, long atMillis) implements Command {
        public BStoresReplaced {
            replaced = replaced == null ? List.of() : List.copyOf(replaced);
            nodes = nodes == null ? List.of() : List.copyOf(nodes);
        }
    }

    /** Member {@code member} of PStore {@code pstore} is now its replacement, extent {@code extentId}. */
    record Replaced(int pstore, int member, UUID extentId) {}

    /**
     * A client agent's heartbeat (registering it on the first): where it serves NBD, and what it
     * sees of the volumes it serves. Reports of volumes not attached to it at their generation are
     * ignored (an agent that has not seen the latest attachment yet, or was moved away from).
     */
    record AgentHeartbeat(String host, String nbdAddress, List<VolumeReport> volumes, long atMillis)
            implements Command {}

    /**
     * Attaches a volume (by name or id) to the agent on {@code host}, with a new generation on every
     * leg; {@code force} moves it from another host, fencing the agent there.
     */
    record AttachVolume(String volume, String host, boolean force, long atMillis) implements Command {}

    /** Detaches a volume (by name or id), with a new generation that fences the agent it had. */
    record DetachVolume(String volume, long atMillis) implements Command {}

    /** The operator drains a node: nothing new is placed on it, and its legs move elsewhere. */
    record DrainNode(UUID nodeId, long atMillis) implements Command {}

    /**
     * The operator removes a node that holds nothing a volume or the DKV needs and is offline; the
     * orphans it held are forgotten with it.
     */
    record RemoveNode(UUID nodeId, long atMillis) implements Command {}

    /** The operator stops a drain: legs not yet moving stay; replacements already placed finish. */
    record UndrainNode(UUID nodeId) implements Command {}

    /**
     * The operator adds a leg to a volume (by name or id), on {@code node} if given, else placed like
     * a new volume's legs; it joins in sync after a full sync by the agent.
     */
    record AddReplica(
            String volume, Optional<UUID> node, UUID extentId, String secret, double spareFraction, long atMillis)
            implements Command {}

    /**
     * The operator grows a volume (by name or id) to {@code sizeBytes}: every leg's extent is
     * wanted that much larger at once, where its drive has room (spare space kept as for a new leg);
     * the volume takes the new size once every leg's node reports its extent grown. An erasure-coded
     * volume's growth carries the ids and secrets of the BStores of the PStores it adds, the
     * reservation of the DKV keys for their layouts (applied with it, as a creation's; {@code
     * firstKey} in entries logged before), and its last PStore's members as the DKV names them
     * (their extents grow in place when the new size gives that PStore more rows).
     */
    record ResizeVolume(
            String volume,
            long sizeBytes,
            double spareFraction,
            long atMillis,
            List<UUID> extentIds,
            List<String> secrets,
            long firstKey,
            List<ErasureLayout.BStorePlacement> lastMembers,
            ReserveDkvKeys reservation)
            implements Command {
        public ResizeVolume {
            extentIds = extentIds == null ? List.of() : extentIds; // entries logged before erasure-coded growth
            secrets = secrets == null ? List.of() : secrets;
            lastMembers = lastMembers == null ? List.of() : lastMembers;
        }

        /** A replicated volume's. */
        public ResizeVolume(String volume, long sizeBytes, double spareFraction, long atMillis) {
            this(volume, sizeBytes, spareFraction, atMillis, List.of(), List.of(), 0, List.of(), null);
        }

        /** The same growth, the added PStores' DKV keys from {@code first} on. */
        public ResizeVolume withFirstKey(long first) {
            return new ResizeVolume(
                    volume, sizeBytes, spareFraction, atMillis, extentIds, secrets, first, lastMembers, null);
        }
    }

    /**
     * The restriper stored the layouts of the PStores erasure-coded volume {@code volumeId}'s
     * growth adds, and of its last PStore grown, after every node made its part: the volume has its
     * new size and PStores.
     */
    record ErasureGrown(UUID volumeId, long atMillis) implements Command {}

    /**
     * The operator removes leg {@code leg} (its extent id or index) of a volume; below the class's
     * count only with {@code force}; never the last in-sync leg.
     */
    record RemoveReplica(String volume, String leg, boolean force, long atMillis) implements Command {}

    /** Why a leg is replaced. */
    enum Replacement {
        /**
         * It is missing, past its class's repair timeout (or the volume has one in-sync leg left):
         * it is kept, untouched, until its replacement is in sync, or taken back if it returns
         * current enough to catch up first.
         */
        REPAIR,
        /** Its node is being drained: it stays, in sync, until its replacement is in sync. */
        DRAIN
    }

    /**
     * The leader's repair loop replaces leg {@code extentId} of volume {@code volumeId} with a new leg
     * ({@code newExtentId}), placed when applied, on a node running fewer than {@code
     * maxSyncsPerNode} syncs. Applied only if the reason still holds.
     */
    record ReplaceLeg(
            UUID volumeId,
            UUID extentId,
            Replacement why,
            UUID newExtentId,
            String secret,
            int maxSyncsPerNode,
            double spareFraction,
            long atMillis)
            implements Command {}

    /**
     * The operator pauses or resumes the rebalance, or sets the spread of the drives' fill fractions
     * it keeps the cluster within (each when present).
     */
    record SetRebalance(Optional<Boolean> paused, Optional<Double> spread) implements Command {}

    /**
     * The rebalance moves leg {@code extentId} of volume {@code volumeId} to drive {@code toDrive}: a
     * new leg there ({@code newExtentId}) is filled while the old one stays in sync, then the old one
     * is removed (as for a drain). Applied only while the rebalance is not paused, the leg is in sync
     * and not being replaced, and the drive may take it (room outside the sparing space, a node and
     * a value of the class's label no other leg of the volume has, fewer than {@code
     * maxSyncsPerNode} first syncs on its node).
     */
    record MoveLeg(
            UUID volumeId,
            UUID extentId,
            UUID toDrive,
            UUID newExtentId,
            String secret,
            int maxSyncsPerNode,
            double spareFraction,
            long atMillis)
            implements Command {}

    /** The leader's repair loop records why a repair the volume needs cannot proceed (empty: it can). */
    record NoteRepair(UUID volumeId, Optional<String> note) implements Command {}

    /**
     * How the DKV's mirrors are placed: {@code mirrors} per shard on distinct nodes (spread across
     * {@code zone} where the cluster has enough zones, else across hosts), at most {@code perDrive}
     * KV volumes on one drive, {@code spareFraction} of every drive held back.
     */
    record DkvPlacement(int mirrors, int perDrive, double spareFraction) {}

    /**
     * Room for {@code keys} more DKV keys (0: only the first shard a cluster starts with): the
     * shards needed are added, their mirrors placed with the extent ids and secrets carried ({@code
     * mirrors} per shard). The outcome's id is the first of the keys handed out.
     */
    record ReserveDkvKeys(long keys, List<UUID> extentIds, List<String> secrets, DkvPlacement placement, long atMillis)
            implements Command {}

    /**
     * The DKV loop replaces mirror {@code extentId} of shard {@code shard} (its node left) with a
     * fresh KV volume {@code newExtentId}, placed when applied; the old one becomes an orphan.
     */
    record ReplaceDkvMirror(
            int shard, UUID extentId, UUID newExtentId, String secret, DkvPlacement placement, long atMillis)
            implements Command {}

    /**
     * Shard {@code shard} was recovered at epoch {@code epoch} (every mirror holds what the most
     * advanced one held): its mirrors serve reads. Applied only if the layout is still at that epoch.
     */
    record DkvShardRecovered(int shard, long epoch, long atMillis) implements Command {}
}
