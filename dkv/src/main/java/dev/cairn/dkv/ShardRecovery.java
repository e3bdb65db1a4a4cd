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
 * FUA, to every mirror that lacks it (consecutive slots as one write: the node judges each). Runs that no mirror holds anything in are skipped: each
 * mirror is asked first which of its slots read as zeroes ({@link KvVolume#written}), so a shard
 * holding a few keys costs a few reads, not the shard's whole size from every mirror (on drives
 * busy with a rebuild, the whole size took minutes while the shard refused writes). Several runs
 * are in flight at once, so a busy drive's queue is waited on less.
 */
final class ShardRecovery {
    /** Runs in flight at once. */
    static final int LANES = 8;

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
            BitSet held = new BitSet(slots);
            maps.forEach(f -> held.or(f.join()));
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
                lanes.add(lane(runs, lane, 0));
            }
            return CompletableFuture.allOf(lanes.toArray(CompletableFuture[]::new))
                    .thenApply(y ->
                            lanes.stream().mapToLong(CompletableFuture::join).sum());
        });
    }

    /** Runs {@code runs[i]}, {@code runs[i + LANES]}... one after the other. */
    private CompletableFuture<Long> lane(List<Integer> runs, int i, long written) {
        if (i >= runs.size()) {
            return CompletableFuture.completedFuture(written);
        }
        return recoverRun((long) runs.get(i) * DkvClient.SCAN_RUN)
                .thenCompose(more -> lane(runs, i + LANES, written + more));
    }

    private CompletableFuture<Long> recoverRun(long offset) {
        int run = (int) Math.min(DkvClient.SCAN_RUN, slots - offset);
        long first = firstKey + offset;
        List<Layout.Mirror> all = shard.mirrors();
        List<CompletableFuture<ByteBuffer>> reads = new ArrayList<>();
        for (Layout.Mirror m : all) {
            reads.add(mirrors.open(m, layout.epoch()).read(layout.slotOf(first, m), run));
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
