package dev.cairn.control.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The DKV's layout as the controller keeps it in the replicated state (DESIGN.md section 7): the
 * quorum epoch, the size of a shard, how many keys were handed out by reservations, and every
 * shard's mirrors (each one KV volume: an extent of kind KV of {@link #kvVolumeBytes} on a node's
 * drive). The epoch goes up whenever the layout changes or a node holding a mirror leaves or joins;
 * nodes serve each KV volume at the current epoch only, which fences every client planning on an
 * older layout.
 *
 * @param reservedKeys keys handed out from {@code firstKey} on; the shards hold at least as many
 */
public record DkvLayout(long epoch, long slotsPerShard, long reservedKeys, List<Shard> shards) {
    /** Mirrors per shard, unless the controller is told otherwise. */
    public static final int DEFAULT_MIRRORS = 3;
    /** KV volumes a drive holds at most, unless the controller is told otherwise. */
    public static final int DEFAULT_PER_DRIVE = 2;
    /** The most mirrors a shard can have. */
    public static final int MAX_MIRRORS = 5;
    /** The most KV volumes a drive can be given. */
    public static final int MAX_PER_DRIVE = 64;
    /** The slots of a new cluster's shards: 16 MiB KV volumes. */
    public static final long DEFAULT_SLOTS_PER_SHARD = 4096;
    /** The size of a slot, so of one key on a mirror. */
    public static final long SLOT_BYTES = 4096;
    /** Keys below this are reserved for the DKV's own records (the same as the DKV client's). */
    public static final long FIRST_KEY = 1L << 16;
    /** The most shards a DKV has (with the default shard, 2^28 keys: 1 TiB of values per mirror set). */
    public static final int MAX_SHARDS = 1 << 16;
    /** The most shards one reservation adds. */
    public static final int MAX_SHARDS_PER_RESERVATION = 256;
    /** The most keys one reservation asks for. */
    public static final long MAX_KEYS = MAX_SHARDS_PER_RESERVATION * DEFAULT_SLOTS_PER_SHARD;

    /**
     * A mirror of a shard: the KV volume {@code extentId} on drive {@code driveId} of node {@code
     * nodeId}, opened with {@code secret}; {@code ready} once it holds everything the shard holds (a
     * fresh one takes writes but serves no read until a recovery filled it).
     */
    public record Mirror(UUID extentId, UUID nodeId, UUID driveId, String secret, boolean ready) {
        public Mirror withReady(boolean now) {
            return new Mirror(extentId, nodeId, driveId, secret, now);
        }
    }

    /**
     * Shard {@code index}: keys {@code FIRST_KEY + index * slotsPerShard} onwards. {@code retired}:
     * ready mirrors replaced while their node was away, kept (not erased) until the shard is
     * recovered, so that a shard whose mirrors all fail during a recovery still has its data on disk.
     */
    public record Shard(int index, List<Mirror> mirrors, List<Mirror> retired) {
        public Shard {
            mirrors = List.copyOf(mirrors);
            retired = retired == null ? List.of() : List.copyOf(retired); // snapshots from before retirement
        }

        /** A shard without retired mirrors. */
        public Shard(int index, List<Mirror> mirrors) {
            this(index, mirrors, List.of());
        }

        public boolean recovering() {
            return mirrors.stream().anyMatch(m -> !m.ready());
        }
    }

    public DkvLayout {
        shards = List.copyOf(shards);
    }

    /** A cluster's layout before its first shard. */
    public static DkvLayout empty() {
        return new DkvLayout(0, DEFAULT_SLOTS_PER_SHARD, 0, List.of());
    }

    /** The size of one KV volume (one mirror of one shard). */
    public long kvVolumeBytes() {
        return slotsPerShard * SLOT_BYTES;
    }

    /** How many keys the shards hold. */
    public long capacityKeys() {
        return shards.size() * slotsPerShard;
    }

    /** How many shards hold {@code keys} keys (at least one: a cluster starts with one). */
    public long shardsFor(long keys) {
        return Math.max(1, Math.ceilDiv(keys, slotsPerShard));
    }

    /** How many shards a reservation of {@code keys} more keys adds. */
    public long shardsToAdd(long keys) {
        return Math.max(0, shardsFor(reservedKeys + keys) - shards.size());
    }

    /** Every mirror of every shard. */
    public List<Mirror> mirrors() {
        return shards.stream().flatMap(s -> s.mirrors().stream()).toList();
    }

    /** Every retired mirror of every shard (kept until its shard is recovered). */
    public List<Mirror> retired() {
        return shards.stream().flatMap(s -> s.retired().stream()).toList();
    }

    public Optional<Mirror> mirror(UUID extentId) {
        return mirrors().stream().filter(m -> m.extentId().equals(extentId)).findFirst();
    }

    /** The shard that has mirror {@code extentId}. */
    public Shard shardHolding(UUID extentId) {
        return shards.stream()
                .filter(s -> s.mirrors().stream().anyMatch(m -> m.extentId().equals(extentId)))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no shard has mirror " + extentId));
    }

    /** The mirrors on {@code node}. */
    public List<Mirror> mirrorsOn(UUID node) {
        return mirrors().stream().filter(m -> m.nodeId().equals(node)).toList();
    }

    /** The same layout one epoch on. */
    public DkvLayout nextEpoch() {
        return new DkvLayout(epoch + 1, slotsPerShard, reservedKeys, shards);
    }

    /** The same layout with shard {@code shard.index()} replaced, or appended if it is the next one. */
    public DkvLayout withShard(Shard shard) {
        List<Shard> changed = new ArrayList<>(shards);
        if (shard.index() == shards.size()) {
            changed.add(shard);
        } else {
            changed.set(shard.index(), shard);
        }
        return new DkvLayout(epoch, slotsPerShard, reservedKeys, changed);
    }

    public DkvLayout withReservedKeys(long reserved) {
        return new DkvLayout(epoch, slotsPerShard, reserved, shards);
    }
}
