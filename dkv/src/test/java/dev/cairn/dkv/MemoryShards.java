package dev.cairn.dkv;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A DKV held in memory for tests, playing the controller's part: KV volumes, the published layout,
 * and the quorum changes (a new epoch fences every older handle). Mirrors are answered at once.
 */
public final class MemoryShards implements LayoutSource, MirrorConnector {
    private final Map<UUID, MemoryKvVolume> volumes = new LinkedHashMap<>();
    private final long volumeSlots;
    private final List<CompletableFuture<Layout>> waiting = new ArrayList<>();
    private Layout layout;

    /** {@code shards} shards of {@code slotsPerShard} keys, each on {@code mirrors} volumes of its own. */
    public MemoryShards(int shards, long slotsPerShard, int mirrors) {
        this.volumeSlots = slotsPerShard * 2;
        List<Layout.Shard> list = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            List<Layout.Mirror> ms = new ArrayList<>();
            for (int m = 0; m < mirrors; m++) {
                // Mirrors start at different slots of their volumes, as they do on a real cluster.
                ms.add(new Layout.Mirror(newVolume(), (m * 3L) % slotsPerShard, true));
            }
            list.add(new Layout.Shard(s, ms));
        }
        this.layout = new Layout(1, Layout.RESERVED_KEYS, slotsPerShard, list);
    }

    /** A fresh, empty KV volume at the current epoch. */
    public synchronized UUID newVolume() {
        UUID id = new UUID(0, volumes.size() + 1);
        MemoryKvVolume v = new MemoryKvVolume(volumeSlots);
        if (layout != null) {
            v.epoch(layout.epoch());
        }
        volumes.put(id, v);
        return id;
    }

    public synchronized MemoryKvVolume volume(UUID id) {
        return volumes.get(id);
    }

    public synchronized Layout layout() {
        return layout;
    }

    /** Publishes {@code next} (a newer epoch) and fences every volume at it. */
    public void publish(Layout next) {
        List<CompletableFuture<Layout>> wake;
        synchronized (this) {
            if (next.epoch() <= layout.epoch()) {
                throw new IllegalArgumentException("epoch " + next.epoch() + " is not newer than " + layout.epoch());
            }
            layout = next;
            volumes.values().forEach(v -> v.epoch(next.epoch()));
            wake = new ArrayList<>(waiting);
            waiting.clear();
        }
        wake.forEach(f -> f.complete(next));
    }

    /** The layout with {@code shard}'s mirror {@code index} replaced by a fresh volume, not ready yet. */
    public synchronized Layout replacing(int shard, int index) {
        List<Layout.Shard> shards = new ArrayList<>(layout.shards());
        List<Layout.Mirror> mirrors = new ArrayList<>(shards.get(shard).mirrors());
        mirrors.set(index, new Layout.Mirror(newVolume(), 0, false));
        shards.set(shard, new Layout.Shard(shard, mirrors));
        return new Layout(layout.epoch() + 1, layout.firstKey(), layout.slotsPerShard(), shards);
    }

    /** The layout with every mirror of {@code shard} ready. */
    public synchronized Layout allReady(int shard) {
        List<Layout.Shard> shards = new ArrayList<>(layout.shards());
        shards.set(
                shard,
                new Layout.Shard(
                        shard,
                        shards.get(shard).mirrors().stream()
                                .map(m -> new Layout.Mirror(m.volume(), m.firstSlot(), true))
                                .toList()));
        return new Layout(layout.epoch() + 1, layout.firstKey(), layout.slotsPerShard(), shards);
    }

    /** A layout source that gives {@code first} (an older layout) at first, then this one's newer ones. */
    public LayoutSource startingFrom(Layout first) {
        return new LayoutSource() {
            @Override
            public CompletableFuture<Layout> current() {
                return CompletableFuture.completedFuture(first);
            }

            @Override
            public CompletableFuture<Layout> newerThan(long epoch) {
                return MemoryShards.this.newerThan(epoch);
            }
        };
    }

    @Override
    public synchronized CompletableFuture<Layout> current() {
        return CompletableFuture.completedFuture(layout);
    }

    @Override
    public synchronized CompletableFuture<Layout> newerThan(long epoch) {
        if (layout.epoch() > epoch) {
            return CompletableFuture.completedFuture(layout);
        }
        CompletableFuture<Layout> f = new CompletableFuture<>();
        waiting.add(f);
        return f;
    }

    @Override
    public synchronized KvVolume open(Layout.Mirror mirror, long epoch) {
        return volumes.get(mirror.volume()).under(epoch);
    }
}
