package dev.cairn.dkv;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The DKV's client: put, get, delete and scan over the mirrors a {@link Layout} names. It keeps no
 * thread of its own; every step runs where the previous one completed, so a test that completes
 * the mirrors' futures in a chosen order on one thread decides the whole interleaving.
 *
 * <ul>
 *   <li>A put reads the key's version from one ready mirror, writes the value at a greater version
 *       ({@link #nextVersion}) to every mirror of the shard with FUA, and completes once all have
 *       it (or a newer put: the mirrors keep the greater version, {@link SlotRule}). It then marks
 *       the slot settled on every mirror, without waiting.
 *   <li>A get reads one ready mirror. A settled slot, or an empty one, is the answer. Anything else
 *       (a put not known to be everywhere, a damaged slot) is resolved from every mirror: the
 *       greatest valid version is written, with FUA, to each mirror that lacks it, and returned
 *       once every mirror has it. So no get returns a value before it is on every mirror of the
 *       shard, and a recovery that copies any surviving mirror keeps it.
 *   <li>A delete is a put of a tombstone. A scan reads runs of slots from one ready mirror and
 *       resolves the unsettled ones as a get does.
 * </ul>
 *
 * A mirror that says the layout is stale makes the operation start again on a newer layout (up to
 * {@link #ATTEMPTS} times); a mirror that cannot be reached fails it with {@link
 * DkvException.MirrorUnavailable}, to be retried once the controller has replaced the mirror.
 */
public final class DkvClient {
    static final int ATTEMPTS = 4;
    static final int SCAN_RUN = 64;

    private final LayoutSource layouts;
    private final MirrorConnector mirrors;
    private final long writer;
    private final DkvObserver observer;
    private final AtomicLong lastCounter = new AtomicLong();
    private final AtomicInteger turn = new AtomicInteger();

    /** A client writing as {@code writer}, an id no other client of the cluster uses. */
    public DkvClient(LayoutSource layouts, MirrorConnector mirrors, long writer) {
        this(layouts, mirrors, writer, DkvObserver.NONE);
    }

    /** A client writing as {@code writer} that tells {@code observer} of its work. */
    public DkvClient(LayoutSource layouts, MirrorConnector mirrors, long writer, DkvObserver observer) {
        this.layouts = layouts;
        this.mirrors = mirrors;
        this.writer = writer;
        this.observer = observer;
    }

    /** The value of {@code key}, or empty if it has none (never put, or deleted). */
    public CompletableFuture<Optional<byte[]>> get(long key) {
        return observed(DkvObserver.Op.GET, () -> withLayout(layout -> getIn(layout, key)));
    }

    /** Puts {@code value} (at most {@link SlotCodec#MAX_VALUE} bytes from its position) at {@code key}. */
    public CompletableFuture<Void> put(long key, ByteBuffer value) {
        byte[] copy = new byte[value.remaining()];
        value.duplicate().get(copy);
        if (copy.length > SlotCodec.MAX_VALUE) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("a value is at most "
                    + SlotCodec.MAX_VALUE + " bytes (a 4 KiB slot less its header), got " + copy.length));
        }
        AtomicReference<Slot> chosen = new AtomicReference<>();
        return observed(
                DkvObserver.Op.PUT,
                () -> withLayout(layout -> putIn(layout, key, v -> Slot.put(key, v, ByteBuffer.wrap(copy)), chosen)));
    }

    /** Deletes {@code key} (a tombstone at a new version; deleting a key with no value is fine). */
    public CompletableFuture<Void> delete(long key) {
        AtomicReference<Slot> chosen = new AtomicReference<>();
        return observed(
                DkvObserver.Op.DELETE,
                () -> withLayout(layout -> putIn(layout, key, v -> Slot.tombstone(key, v), chosen)));
    }

    /** The keys from {@code from} (inclusive) to {@code to} (exclusive) that have values, at most {@code limit}. */
    public CompletableFuture<SortedMap<Long, byte[]>> scan(long from, long to, int limit) {
        if (from > to || limit < 0) {
            return CompletableFuture.failedFuture(
                    new IllegalArgumentException("scan from " + from + " to " + to + " limit " + limit));
        }
        return observed(
                DkvObserver.Op.SCAN,
                () -> withLayout(layout -> {
                    long start = Math.max(from, layout.firstKey());
                    long end = Math.min(to, layout.endKey());
                    return scanFrom(layout, start, end, limit, new TreeMap<>());
                }));
    }

    /** The version this client gives a key whose version is {@code read}: above it and above every one it gave. */
    Version nextVersion(Optional<Version> read) {
        long floor = read.map(Version::counter).orElse(0L);
        return new Version(lastCounter.updateAndGet(c -> Math.max(c, floor) + 1), writer);
    }

    private CompletableFuture<Optional<byte[]>> getIn(Layout layout, long key) {
        Layout.Shard shard = layout.shardOf(key);
        return readAny(layout, shard, key).thenCompose(read -> switch (read) {
            case SlotRead.Empty _ -> CompletableFuture.completedFuture(Optional.<byte[]>empty());
            case SlotRead.Valid(Slot s) when s.settled() -> CompletableFuture.completedFuture(s.value());
            default -> resolve(layout, shard, key).thenApply(s -> s.flatMap(Slot::value));
        });
    }

    /**
     * One attempt of a put under {@code layout}. The slot is made once, at the first attempt that
     * reads a version: an attempt after a stale epoch writes the same slot again, since the earlier
     * one may have reached some mirrors and been seen there. A new version would let the one put
     * take effect twice, the second time over puts that began after a get had returned it.
     */
    private CompletableFuture<Void> putIn(
            Layout layout, long key, Function<Version, Slot> slotAt, AtomicReference<Slot> chosen) {
        Layout.Shard shard = layout.shardOf(key);
        CompletableFuture<Slot> slot = chosen.get() != null
                ? CompletableFuture.completedFuture(chosen.get())
                : readAny(layout, shard, key)
                        .thenCompose(read -> versionOf(layout, shard, key, read))
                        .thenApply(version -> {
                            chosen.compareAndSet(null, slotAt.apply(nextVersion(version)));
                            return chosen.get();
                        });
        return slot.thenCompose(s -> {
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (Layout.Mirror m : shard.mirrors()) {
                writes.add(write(layout, m, s, true));
            }
            return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new))
                    .thenRun(() -> settle(layout, shard, s));
        });
    }

    /** The version {@code read} shows, resolved from every mirror if the slot is damaged. */
    private CompletableFuture<Optional<Version>> versionOf(Layout layout, Layout.Shard shard, long key, SlotRead read) {
        return switch (read) {
            case SlotRead.Empty _ -> CompletableFuture.completedFuture(Optional.empty());
            case SlotRead.Valid(Slot s) -> CompletableFuture.completedFuture(Optional.of(s.version()));
            case SlotRead.Corrupt _ -> resolve(layout, shard, key).thenApply(s -> s.map(Slot::version));
        };
    }

    /**
     * Reads {@code key} on every mirror of {@code shard} and makes every mirror hold the greatest
     * valid version found; completes with it once they all do (empty if no mirror has a value).
     */
    private CompletableFuture<Optional<Slot>> resolve(Layout layout, Layout.Shard shard, long key) {
        List<Layout.Mirror> all = shard.mirrors();
        List<CompletableFuture<SlotRead>> reads = new ArrayList<>();
        for (Layout.Mirror m : all) {
            reads.add(readSlot(layout, m, key));
        }
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenCompose(done -> {
            List<SlotRead> got = reads.stream().map(CompletableFuture::join).toList();
            Optional<Slot> best = greatest(got);
            if (best.isEmpty()) {
                // Damaged on every ready mirror, and nowhere valid: lost, not absent (a fresh mirror
                // being filled is empty whatever the key had).
                boolean lost = true;
                for (int i = 0; i < all.size(); i++) {
                    lost &= !all.get(i).ready() || got.get(i) instanceof SlotRead.Corrupt;
                }
                if (lost) {
                    return CompletableFuture.failedFuture(new DkvException.Lost("key " + key + " of shard "
                            + shard.index() + ": every mirror's slot is damaged (" + got + ")"));
                }
                return CompletableFuture.completedFuture(Optional.empty());
            }
            Slot b = best.get();
            List<CompletableFuture<Void>> repairs = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                if (!(got.get(i) instanceof SlotRead.Valid(Slot s) && s.samePut(b))) {
                    repairs.add(write(layout, all.get(i), b, true));
                }
            }
            if (!repairs.isEmpty()) {
                observer.repaired(repairs.size());
            }
            return CompletableFuture.allOf(repairs.toArray(CompletableFuture[]::new))
                    .thenApply(x -> {
                        if (!b.settled()) {
                            settle(layout, shard, b);
                        }
                        return Optional.of(b);
                    });
        });
    }

    /**
     * Recovers shard {@code index} of {@code layout} (a new epoch, the lost mirror replaced by a
     * fresh one that is not ready yet): every slot gets, on every mirror, the greatest valid version
     * any mirror holds, so the mirrors are identical again even if a put was in flight when the
     * quorum changed (its version is on the fresh mirror if it reached any survivor, and gone from
     * all otherwise, so no get had returned it). Completes with the number of slots written
     * ({@link ShardRecovery}).
     */
    public CompletableFuture<Long> recover(Layout layout, int index) {
        return new ShardRecovery(mirrors, layout, layout.shards().get(index)).run();
    }

    static Optional<Slot> greatest(List<SlotRead> reads) {
        return reads.stream()
                .flatMap(r -> r instanceof SlotRead.Valid(Slot s) ? Stream.of(s) : Stream.<Slot>empty())
                .max(Comparator.comparing(Slot::version));
    }

    private CompletableFuture<SortedMap<Long, byte[]>> scanFrom(
            Layout layout, long from, long end, int limit, SortedMap<Long, byte[]> found) {
        if (from >= end || found.size() >= limit) {
            return CompletableFuture.completedFuture(found);
        }
        Layout.Shard shard = layout.shardOf(from);
        long shardEnd = layout.firstKey() + (shard.index() + 1L) * layout.slotsPerShard();
        int run = (int) Math.min(SCAN_RUN, Math.min(end, shardEnd) - from);
        Layout.Mirror one = pick(shard);
        return mirrors.open(one, layout.epoch())
                .read(layout.slotOf(from, one), run)
                .thenCompose(blocks -> {
                    List<Long> unsettled = new ArrayList<>();
                    for (int i = 0; i < run; i++) {
                        long key = from + i;
                        switch (SlotCodec.decode(blocks.slice(i * SlotCodec.SLOT_BYTES, SlotCodec.SLOT_BYTES), key)) {
                            case SlotRead.Empty _ -> {}
                            case SlotRead.Valid(Slot s)
                            when s.settled() -> s.value().ifPresent(v -> found.put(key, v));
                            default -> unsettled.add(key);
                        }
                    }
                    return resolveEach(layout, shard, unsettled, 0, found);
                })
                .thenCompose(f -> scanFrom(layout, from + run, end, limit, trim(f, limit)));
    }

    private CompletableFuture<SortedMap<Long, byte[]>> resolveEach(
            Layout layout, Layout.Shard shard, List<Long> keys, int i, SortedMap<Long, byte[]> found) {
        if (i == keys.size()) {
            return CompletableFuture.completedFuture(found);
        }
        long key = keys.get(i);
        return resolve(layout, shard, key).thenCompose(s -> {
            s.flatMap(Slot::value).ifPresent(v -> found.put(key, v));
            return resolveEach(layout, shard, keys, i + 1, found);
        });
    }

    private static SortedMap<Long, byte[]> trim(SortedMap<Long, byte[]> found, int limit) {
        while (found.size() > limit) {
            found.remove(found.lastKey());
        }
        return found;
    }

    /**
     * Marks {@code slot} settled on every mirror, not waiting: a mark that is lost only costs a
     * later get a resolve, so its outcome is not awaited.
     */
    @SuppressWarnings("FutureReturnValueIgnored")
    private void settle(Layout layout, Layout.Shard shard, Slot slot) {
        Slot settled = slot.settle();
        for (Layout.Mirror m : shard.mirrors()) {
            write(layout, m, settled, false);
        }
    }

    /**
     * {@code key}'s slot as one ready mirror holds it: the next in turn, or the one after it if that
     * one cannot be reached, so that gets go on while a mirror is down.
     */
    private CompletableFuture<SlotRead> readAny(Layout layout, Layout.Shard shard, long key) {
        List<Layout.Mirror> ready = shard.ready();
        return readFrom(layout, ready, Math.floorMod(turn.getAndIncrement(), ready.size()), 0, key);
    }

    private CompletableFuture<SlotRead> readFrom(
            Layout layout, List<Layout.Mirror> ready, int first, int tried, long key) {
        return readSlot(layout, ready.get((first + tried) % ready.size()), key).exceptionallyCompose(e -> {
            Throwable cause = unwrap(e);
            if (cause instanceof DkvException.MirrorUnavailable && tried + 1 < ready.size()) {
                return readFrom(layout, ready, first, tried + 1, key);
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    private CompletableFuture<SlotRead> readSlot(Layout layout, Layout.Mirror mirror, long key) {
        return mirrors.open(mirror, layout.epoch())
                .read(layout.slotOf(key, mirror), 1)
                .thenApply(block -> SlotCodec.decode(block, key));
    }

    private CompletableFuture<Void> write(Layout layout, Layout.Mirror mirror, Slot slot, boolean durable) {
        return mirrors.open(mirror, layout.epoch())
                .write(layout.slotOf(slot.key(), mirror), SlotCodec.encode(slot), durable);
    }

    private Layout.Mirror pick(Layout.Shard shard) {
        List<Layout.Mirror> ready = shard.ready();
        return ready.get(Math.floorMod(turn.getAndIncrement(), ready.size()));
    }

    /** Runs {@code op}, telling the observer how it ended and how long it took. */
    private <T> CompletableFuture<T> observed(DkvObserver.Op op, Supplier<CompletableFuture<T>> run) {
        long start = System.nanoTime();
        return run.get().whenComplete((r, e) -> observer.completed(op, e == null, System.nanoTime() - start));
    }

    /** Runs {@code op} on the current layout, again on a newer one each time a mirror says it is stale. */
    private <T> CompletableFuture<T> withLayout(Function<Layout, CompletableFuture<T>> op) {
        return layouts.current().thenCompose(layout -> attempt(op, layout, 1));
    }

    private <T> CompletableFuture<T> attempt(Function<Layout, CompletableFuture<T>> op, Layout layout, int n) {
        CompletableFuture<T> tried;
        try {
            tried = op.apply(layout);
        } catch (RuntimeException e) {
            tried = CompletableFuture.failedFuture(e);
        }
        return tried.exceptionallyCompose(error -> {
            Throwable cause = unwrap(error);
            if (cause instanceof DkvException.StaleEpoch && n < ATTEMPTS) {
                observer.refetched();
                return layouts.newerThan(layout.epoch()).thenCompose(newer -> attempt(op, newer, n + 1));
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
