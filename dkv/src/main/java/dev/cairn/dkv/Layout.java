package dev.cairn.dkv;

import java.util.List;
import java.util.UUID;

/**
 * Where the DKV's shards are, as the controller publishes it: the quorum epoch it belongs to, and
 * for each shard its mirrors. Keys below {@code firstKey} are reserved; from there the key space is
 * cut into shards of {@code slotsPerShard} consecutive keys, shard {@code i} holding keys {@code
 * firstKey + i * slotsPerShard} onwards, one slot per key. A mirror is a run of {@code
 * slotsPerShard} slots on one KV volume; a mirror being filled by a recovery takes every write but
 * serves no read until it is ready.
 */
public record Layout(long epoch, long firstKey, long slotsPerShard, List<Shard> shards) {
    /** The keys below this are reserved (for the DKV's own records). */
    public static final long RESERVED_KEYS = 1L << 16;

    public record Shard(int index, List<Mirror> mirrors) {
        public Shard {
            mirrors = List.copyOf(mirrors);
            if (mirrors.stream().noneMatch(Mirror::ready)) {
                throw new IllegalArgumentException("shard " + index + " has no ready mirror");
            }
        }

        /** The mirrors that serve reads. */
        public List<Mirror> ready() {
            return mirrors.stream().filter(Mirror::ready).toList();
        }
    }

    /** {@code slotsPerShard} slots from {@code firstSlot} on the KV volume {@code volume}. */
    public record Mirror(UUID volume, long firstSlot, boolean ready) {
        public Mirror {
            if (firstSlot < 0) {
                throw new IllegalArgumentException("a mirror's first slot cannot be negative, got " + firstSlot);
            }
        }
    }

    public Layout {
        shards = List.copyOf(shards);
        if (epoch < 0 || firstKey < 0 || slotsPerShard < 1) {
            throw new IllegalArgumentException("layout epoch " + epoch + ", first key " + firstKey
                    + ", slots per shard " + slotsPerShard + ": none may be negative, and a shard has a slot");
        }
        for (int i = 0; i < shards.size(); i++) {
            if (shards.get(i).index() != i) {
                throw new IllegalArgumentException(
                        "shard " + i + " is listed as " + shards.get(i).index());
            }
        }
        if (Math.multiplyHigh(slotsPerShard, shards.size()) != 0
                || Long.MAX_VALUE - firstKey < slotsPerShard * shards.size()) {
            throw new IllegalArgumentException("the shards go past the largest key");
        }
    }

    /** One past the last key the shards hold. */
    public long endKey() {
        return firstKey + slotsPerShard * shards.size();
    }

    /** The shard that holds {@code key}, or a message saying why there is none. */
    public Shard shardOf(long key) {
        if (shards.isEmpty()) {
            throw new IllegalArgumentException(
                    "the DKV has no shards yet: the cluster places the first once it has the nodes and room for its mirrors");
        }
        if (key < firstKey || key >= endKey()) {
            throw new IllegalArgumentException("key " + key + " is outside the DKV's keys (" + firstKey + " to "
                    + (endKey() - 1)
                    + (key >= 0 && key < firstKey ? "; the keys below are reserved" : "; reserve room first")
                    + ")");
        }
        return shards.get((int) ((key - firstKey) / slotsPerShard));
    }

    /** The slot of {@code key} on {@code mirror} (of the shard that holds the key). */
    public long slotOf(long key, Mirror mirror) {
        return mirror.firstSlot() + (key - firstKey) % slotsPerShard;
    }
}
