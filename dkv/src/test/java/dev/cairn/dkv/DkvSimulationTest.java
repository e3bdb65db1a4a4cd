package dev.cairn.dkv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.dkv.Linearizability.Kind;
import dev.cairn.dkv.Linearizability.Op;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The DKV's client under a deterministic simulation: one seed decides which client starts which
 * operation when, the order in which every mirror I/O takes effect (each is queued and run at a
 * step the seed picks, so I/Os of different clients interleave arbitrarily), and the faults: a
 * mirror lost with I/Os in flight (some applied, their replies lost), then replaced by a fresh one
 * under a new epoch and recovered while clients go on; and writes torn by a node's crash. Every
 * key's history (with a final get of every key) must be linearizable: no get returns a value that
 * a later get does not also return, and no acknowledged put is lost. Scans count as a get of every
 * key they cover, each within the scan's interval.
 *
 * <p>The number of seeds is {@code -Ddkv.sim.seeds} (default 300, about two seconds); a failing
 * seed is printed and replays alone with {@code -Ddkv.sim.first=SEED -Ddkv.sim.seeds=1}.
 */
class DkvSimulationTest {
    private static final int CLIENTS = 3;
    private static final int KEYS = 3;
    private static final int STEPS = 1500;

    @Test
    void everyKeysHistoryIsLinearizableAcrossLostMirrorsRecoveriesAndTornWrites() {
        long first = Long.getLong("dkv.sim.first", 20261203L);
        long seeds = Long.getLong("dkv.sim.seeds", 300L);
        for (long seed = first; seed < first + seeds; seed++) {
            new Run(seed).play();
        }
    }

    /** One simulated run. Its operations' futures are followed by callbacks, not awaited: the steps drive them. */
    @SuppressWarnings("FutureReturnValueIgnored")
    private static final class Run implements MirrorConnector {
        private final long seed;
        private final Random random;
        private final MemoryShards shards = new MemoryShards(1, 8, 3);
        private final List<Runnable> pending = new ArrayList<>();
        private final Map<Long, List<Op>> history = new HashMap<>();
        private final boolean[] busy = new boolean[CLIENTS];
        private final List<DkvClient> clients = new ArrayList<>();
        private long step;
        private int nextValue = 1;
        private UUID lost;
        private boolean recovering;
        private Throwable recoveryFailed;

        Run(long seed) {
            this.seed = seed;
            this.random = new Random(seed);
            for (int c = 0; c < CLIENTS; c++) {
                clients.add(new DkvClient(shards, this, c + 1));
            }
        }

        void play() {
            long loseAt = random.nextInt(STEPS / 2);
            long tearAt = random.nextInt(STEPS);
            for (step = 0; step < STEPS; step++) {
                if (step == loseAt) {
                    loseMirror();
                } else if (step == tearAt) {
                    tearOneWrite();
                } else if (lost != null && !recovering && random.nextInt(40) == 0) {
                    replaceAndRecover();
                } else if (random.nextInt(3) == 0) {
                    startOp(random.nextInt(CLIENTS));
                } else {
                    runOne();
                }
            }
            if (lost != null && !recovering) {
                replaceAndRecover();
            }
            while (!pending.isEmpty()) {
                step++;
                runOne();
            }
            assertThat(recoveryFailed).as("seed %d: recovery failed", seed).isNull();
            assertThat(shards.layout().shards().getFirst().mirrors())
                    .as("seed %d: every mirror is ready in the end", seed)
                    .allMatch(Layout.Mirror::ready);
            DkvClient last = new DkvClient(shards, shards, 99);
            for (long k = 0; k < KEYS; k++) {
                long key = Layout.RESERVED_KEYS + k;
                step++;
                Optional<byte[]> v = last.get(key).join();
                history.computeIfAbsent(key, x -> new ArrayList<>()).add(new Op(Kind.GET, valueOf(v), step, step));
            }
            history.forEach((key, ops) -> assertThat(Linearizability.check(ops))
                    .as("seed %d: the history of key %d is not linearizable: %s", seed, key, ops)
                    .isTrue());
        }

        private void startOp(int c) {
            if (busy[c]) {
                return;
            }
            busy[c] = true;
            long key = Layout.RESERVED_KEYS + random.nextInt(KEYS);
            long invoked = step;
            int what = random.nextInt(10);
            List<Op> ops = history.computeIfAbsent(key, x -> new ArrayList<>());
            if (what == 4) {
                // A scan of every key: each key's value in it was read within the scan's interval.
                clients.get(c)
                        .scan(Layout.RESERVED_KEYS, Layout.RESERVED_KEYS + KEYS, KEYS)
                        .whenComplete((found, e) -> {
                            busy[c] = false;
                            if (e == null) {
                                for (long k = Layout.RESERVED_KEYS; k < Layout.RESERVED_KEYS + KEYS; k++) {
                                    history.computeIfAbsent(k, x -> new ArrayList<>())
                                            .add(new Op(
                                                    Kind.GET,
                                                    valueOf(Optional.ofNullable(found.get(k))),
                                                    invoked,
                                                    step));
                                }
                            }
                        });
            } else if (what < 5) {
                clients.get(c).get(key).whenComplete((v, e) -> {
                    busy[c] = false;
                    if (e == null) {
                        ops.add(new Op(Kind.GET, valueOf(v), invoked, step));
                    }
                });
            } else {
                long value = what < 9 ? nextValue++ : Linearizability.ABSENT;
                CompletableFuture<Void> put = value == Linearizability.ABSENT
                        ? clients.get(c).delete(key)
                        : clients.get(c)
                                .put(
                                        key,
                                        ByteBuffer.allocate(Long.BYTES + random.nextInt(3000))
                                                .putLong(0, value));
                put.whenComplete((v, e) -> {
                    busy[c] = false;
                    ops.add(new Op(Kind.PUT, value, invoked, e == null ? step : Linearizability.UNKNOWN));
                });
            }
        }

        private static long valueOf(Optional<byte[]> v) {
            return v.map(b -> ByteBuffer.wrap(b).getLong()).orElse(Linearizability.ABSENT);
        }

        private void runOne() {
            if (!pending.isEmpty()) {
                pending.remove(random.nextInt(pending.size())).run();
            }
        }

        /** A mirror of the shard is lost: its queued I/Os fail, half of them after taking effect. */
        private void loseMirror() {
            Layout.Mirror m = shards.layout().shards().getFirst().mirrors().get(random.nextInt(3));
            lost = m.volume();
            MemoryKvVolume v = shards.volume(lost);
            List<Runnable> now = new ArrayList<>(pending);
            pending.clear();
            for (Runnable r : now) {
                if (r instanceof Io io && io.volume == v) {
                    if (random.nextBoolean()) {
                        io.apply();
                    }
                    io.fail();
                } else {
                    pending.add(r);
                }
            }
            v.down(true);
        }

        /** A node crashes in the middle of one queued write: only its first sector lands, and it fails. */
        private void tearOneWrite() {
            for (Runnable r : pending) {
                if (r instanceof Io io && io.block != null && !io.volume.isDown()) {
                    pending.remove(r);
                    io.volume.tearWrite(io.slot, io.block, 1 + random.nextInt(7));
                    io.fail();
                    return;
                }
            }
        }

        /**
         * The controller's part: a new epoch with the lost mirror replaced by a fresh one that takes
         * writes but serves no reads, the shard recovered into it (its I/Os interleaved with the
         * clients'), then every mirror ready under yet another epoch.
         */
        private void replaceAndRecover() {
            recovering = true;
            List<Layout.Mirror> mirrors = shards.layout().shards().getFirst().mirrors();
            int index = 0;
            while (!mirrors.get(index).volume().equals(lost)) {
                index++;
            }
            Layout replaced = shards.replacing(0, index);
            shards.publish(replaced);
            recover(replaced, 1);
        }

        /** Recovers the shard; a recovery step that fails (a torn write) is run again, as the controller would. */
        private void recover(Layout replaced, int attempt) {
            new DkvClient(shards, this, 100).recover(replaced, 0).whenComplete((n, e) -> {
                if (e == null) {
                    shards.publish(shards.allReady(0));
                } else if (attempt < 5) {
                    recover(replaced, attempt + 1);
                } else {
                    recoveryFailed = e;
                }
            });
        }

        @Override
        public KvVolume open(Layout.Mirror mirror, long epoch) {
            MemoryKvVolume v = shards.volume(mirror.volume());
            return new KvVolume() {
                @Override
                public long slots() {
                    return v.under(epoch).slots();
                }

                @Override
                public CompletableFuture<ByteBuffer> read(long first, int count) {
                    Io io = new Io(v, epoch, first, count, null);
                    pending.add(io);
                    return io.read;
                }

                @Override
                public CompletableFuture<Void> write(long slot, ByteBuffer block, boolean durable) {
                    Io io = new Io(v, epoch, slot, 1, block);
                    pending.add(io);
                    return io.written;
                }
            };
        }
    }

    /** One mirror I/O, queued until the simulation runs it. */
    private static final class Io implements Runnable {
        final MemoryKvVolume volume;
        final long epoch;
        final long slot;
        final int count;
        final ByteBuffer block;
        final CompletableFuture<ByteBuffer> read = new CompletableFuture<>();
        final CompletableFuture<Void> written = new CompletableFuture<>();
        private Optional<ByteBuffer> readResult = Optional.empty();
        private DkvException error;

        Io(MemoryKvVolume volume, long epoch, long slot, int count, ByteBuffer block) {
            this.volume = volume;
            this.epoch = epoch;
            this.slot = slot;
            this.count = count;
            this.block = block;
        }

        /** Takes effect on the volume, without answering yet. */
        void apply() {
            try {
                if (block == null) {
                    readResult = Optional.of(volume.readNow(epoch, slot, count));
                } else {
                    volume.writeNow(epoch, slot, block);
                }
            } catch (DkvException e) {
                error = e;
            }
        }

        void fail() {
            DkvException e = new DkvException.MirrorUnavailable("the mirror was lost", null);
            read.completeExceptionally(e);
            written.completeExceptionally(e);
        }

        @Override
        public void run() {
            apply();
            if (error != null) {
                read.completeExceptionally(error);
                written.completeExceptionally(error);
            } else if (block == null) {
                read.complete(readResult.orElseThrow());
            } else {
                written.complete(null);
            }
        }
    }
}
