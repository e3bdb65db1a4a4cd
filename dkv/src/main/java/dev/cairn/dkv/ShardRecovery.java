package dev.cairn.dkv;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One shard's recovery under a new epoch (see {@link DkvClient#recover}): the shard's slots are
 * visited in runs, each run read from every mirror and each slot's greatest version written, with
 * FUA, to every mirror that lacks it (consecutive slots as one write: the node judges each). Each
 * mirror is asked first which of its slots read as zeroes ({@link KvVolume#written}), and only the
 * slots it may hold are read from it (each range of them as one read; the others are empty), so a
 * shard holding a few keys costs a few small reads, not the shard's whole size from every mirror,
 * and the fresh mirror is not read at all. On drives busy with a rebuild every request waits behind
 * the drive's queue (seconds at a time), so what counts is how many waits follow one another:
 * {@link #LANES} runs are in flight at once (half the runs of a shard of the default 4096 slots).
 */
final class ShardRecovery {
    /** Runs in flight at once (each holds at most a run's slots from each mirror in memory). */
    static final int LANES = 32;

    private final MirrorConnector mirrors;
    private final Layout layout;
    private final Layout.Shard shard;
    private final long firstKey;
    private final int slots;

    ShardRecovery(MirrorConnector mirrors, Layout layout, Layout.Shard shard) {
        this.mirrors = mirrors;
        this.layout = layout;
        this.shard = shard;
        this.firstKey = layout.firstKey() + shard.index() * layout.slotsPerShard();
        this.slots = Math.toIntExact(layout.slotsPerShard());
    }

    /** Recovers the shard; completes with the number of slots written. */
    CompletableFuture<Long> run() {
        List<CompletableFuture<BitSet>> maps = new ArrayList<>();
        for (Layout.Mirror m : shard.mirrors()) {
            BitSet all = new BitSet(slots);
            all.set(0, slots);
            // A mirror that cannot say is read whole; one that cannot be reached fails the reads.
            maps.add(mirrors.open(m, layout.epoch())
                    .written(layout.slotOf(firstKey, m), slots)
                    .exceptionally(e -> all));
        }
        return CompletableFuture.allOf(maps.toArray(CompletableFuture[]::new)).thenCompose(x -> {
            List<BitSet> each = maps.stream().map(CompletableFuture::join).toList();
            BitSet held = new BitSet(slots);
            each.forEach(held::or);
            List<Integer> runs = new ArrayList<>();
            for (int run = 0; run * DkvClient.SCAN_RUN < slots; run++) {
                int from = run * DkvClient.SCAN_RUN;
                int next = held.nextSetBit(from);
                if (next >= 0 && next < Math.min(slots, from + DkvClient.SCAN_RUN)) {
                    runs.add(run);
                }
            }
            List<CompletableFuture<Long>> lanes = new ArrayList<>();
            for (int lane = 0; lane < LANES; lane++) {
                lanes.add(lane(runs, each, lane, 0));
            }
            return CompletableFuture.allOf(lanes.toArray(CompletableFuture[]::new))
                    .thenApply(y ->
                            lanes.stream().mapToLong(CompletableFuture::join).sum());
        });
    }

    /** Runs {@code runs[i]}, {@code runs[i + LANES]}... one after the other ({@code held}: each mirror's map). */
    private CompletableFuture<Long> lane(List<Integer> runs, List<BitSet> held, int i, long written) {
        if (i >= runs.size()) {
            return CompletableFuture.completedFuture(written);
        }
        return recoverRun(runs.get(i) * DkvClient.SCAN_RUN, held)
                .thenCompose(more -> lane(runs, held, i + LANES, written + more));
    }

    private CompletableFuture<Long> recoverRun(int offset, List<BitSet> held) {
        int run = Math.min(DkvClient.SCAN_RUN, slots - offset);
        long first = firstKey + offset;
        List<Layout.Mirror> all = shard.mirrors();
        List<CompletableFuture<ByteBuffer>> reads = new ArrayList<>();
        for (int m = 0; m < all.size(); m++) {
            reads.add(readHeld(all.get(m), held.get(m), offset, run));
        }
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenCompose(done -> {
            // Per mirror, the greatest version of each slot it lacks (null where it has it).
            Slot[][] lacking = new Slot[all.size()][run];
            long more = 0;
            for (int i = 0; i < run; i++) {
                long key = first + i;
                int at = i * SlotCodec.SLOT_BYTES;
                List<SlotRead> got = reads.stream()
                        .map(r -> SlotCodec.decode(r.join().slice(at, SlotCodec.SLOT_BYTES), key))
                        .toList();
                Optional<Slot> best = DkvClient.greatest(got);
                for (int m = 0; m < all.size() && best.isPresent(); m++) {
                    if (!(got.get(m) instanceof SlotRead.Valid(Slot s) && s.samePut(best.get()))) {
                        lacking[m][i] = best.get();
                        more++;
                    }
                }
            }
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int m = 0; m < all.size(); m++) {
                writeRuns(all.get(m), first, lacking[m], writes);
            }
            long written = more;
            return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new))
                    .thenApply(x -> written);
        });
    }

    /**
     * The {@code run} slots from the shard's slot {@code offset} as {@code mirror} holds them: the
     * ones its map {@code held} sets are read (each range as one read), the others are zeroes, as
     * the mirror said they read.
     */
    private CompletableFuture<ByteBuffer> readHeld(Layout.Mirror mirror, BitSet held, int offset, int run) {
        ByteBuffer out = ByteBuffer.allocate(run * SlotCodec.SLOT_BYTES);
        List<CompletableFuture<Void>> parts = new ArrayList<>();
        for (int from = held.nextSetBit(offset); from >= 0 && from < offset + run; ) {
            int end = Math.min(held.nextClearBit(from), offset + run);
            int at = (from - offset) * SlotCodec.SLOT_BYTES;
            int bytes = (end - from) * SlotCodec.SLOT_BYTES;
            parts.add(mirrors.open(mirror, layout.epoch())
                    .read(layout.slotOf(firstKey + from, mirror), end - from)
                    .thenAccept(got -> out.put(at, got, 0, bytes)));
            from = held.nextSetBit(end);
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(x -> out);
    }

    /** Writes {@code slots} (of keys from {@code first}; null: nothing to write) to {@code mirror}, each run of them as one write. */
    private void writeRuns(Layout.Mirror mirror, long first, Slot[] slots, List<CompletableFuture<Void>> writes) {
        for (int i = 0; i < slots.length; ) {
            if (slots[i] == null) {
                i++;
                continue;
            }
            int end = i;
            while (end < slots.length && slots[end] != null) {
                end++;
            }
            ByteBuffer blocks = ByteBuffer.allocate((end - i) * SlotCodec.SLOT_BYTES);
            for (int j = i; j < end; j++) {
                blocks.put(SlotCodec.encode(slots[j]));
            }
            writes.add(
                    mirrors.open(mirror, layout.epoch()).write(layout.slotOf(first + i, mirror), blocks.flip(), true));
            i = end;
        }
    }
}
