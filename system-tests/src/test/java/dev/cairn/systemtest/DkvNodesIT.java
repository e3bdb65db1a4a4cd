package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.dkv.DkvClient;
import dev.cairn.dkv.Layout;
import dev.cairn.dkv.LayoutCache;
import dev.cairn.dkv.Linearizability;
import dev.cairn.dkv.Linearizability.Kind;
import dev.cairn.dkv.Linearizability.Op;
import dev.cairn.dkv.NbdMirrors;
import dev.cairn.dkv.SlotCodec;
import dev.cairn.dkv.SlotRead;
import dev.cairn.testkit.NodeProcess;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DKV's data path with real node processes: one shard mirrored on KV volumes of three nodes,
 * four clients putting, deleting and getting while a node is stopped (SIGSTOP) and resumed, a node
 * is killed (SIGKILL) and restarted on its drive, and a node is lost for good: this test, in the
 * controller's part, then moves the survivors to a new epoch with a fresh KV volume on a fourth
 * node in the lost one's place, recovers the shard into it with puts in flight, and makes it
 * ready under a third epoch. Every key's history, ended by a get of every key, must be
 * linearizable, and every mirror must end with the same slots.
 */
class DkvNodesIT {
    private static final String SECRET = "dkv-it";
    private static final long SLOTS = 1024;
    private static final int KEYS = 12;
    private static final int CLIENTS = 4;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final List<NodeProcess> nodes = new ArrayList<>();
    private final Map<UUID, Integer> nodeOf = new ConcurrentHashMap<>();
    private final AtomicReference<Layout> layout = new AtomicReference<>();
    private final List<NbdMirrors> connectors = new ArrayList<>();
    private final Map<Long, List<Op>> history = new ConcurrentHashMap<>();
    private final AtomicLong values = new AtomicLong();
    private final long t0 = System.nanoTime();

    @AfterEach
    void stop() {
        connectors.forEach(NbdMirrors::close);
        nodes.forEach(NodeProcess::close);
    }

    private NodeProcess startNode(int i) throws Exception {
        return NodeProcess.start(
                dir.resolve("n" + i), List.of(dir.resolve("n" + i + ".img") + ",size=256MiB"), List.of("zone=z" + i));
    }

    private UUID kvVolume(int node, long epoch) {
        UUID id = UUID.fromString(nodes.get(node)
                .admin()
                .post(
                        "/v1/extents",
                        "{\"sizeBytes\":" + SLOTS * SlotCodec.SLOT_BYTES + ",\"generation\":" + epoch + ",\"secret\":\""
                                + SECRET + "\",\"kind\":\"kv\"}")
                .ok()
                .get("id")
                .asText());
        nodeOf.put(id, node);
        return id;
    }

    /** Moves every mirror of {@code next} to its epoch on its node, then publishes it, as the controller will. */
    private void publish(Layout next) {
        for (Layout.Mirror m : next.shards().getFirst().mirrors()) {
            nodes.get(nodeOf.get(m.volume()))
                    .admin()
                    .put(
                            "/v1/extents/" + m.volume() + "/access",
                            "{\"generation\":" + next.epoch() + ",\"secret\":\"" + SECRET + "\"}")
                    .ok();
        }
        layout.set(next);
    }

    private DkvClient client(long writer) {
        NbdMirrors mirrors = new NbdMirrors(
                new NbdMirrors.Locator() {
                    @Override
                    public SocketAddress address(UUID volume) {
                        return nodes.get(nodeOf.get(volume)).nbd();
                    }

                    @Override
                    public String exportName(UUID volume, long epoch) {
                        return volume + ";gen=" + epoch + ";key=" + SECRET;
                    }
                },
                TIMEOUT);
        synchronized (connectors) {
            connectors.add(mirrors);
        }
        return new DkvClient(new LayoutCache(() -> CompletableFuture.completedFuture(layout.get())), mirrors, writer);
    }

    private long now() {
        return System.nanoTime() - t0;
    }

    private static long valueOf(Optional<byte[]> v) {
        return v.map(b -> ByteBuffer.wrap(b).getLong()).orElse(Linearizability.ABSENT);
    }

    /** One client's loop: random puts, deletes and gets until told to stop; failures recorded as unknown. */
    private void load(DkvClient c, long seed, AtomicBoolean running) {
        Random r = new Random(seed);
        while (running.get()) {
            long key = Layout.RESERVED_KEYS + r.nextInt(KEYS);
            List<Op> ops = history.computeIfAbsent(key, k -> Collections.synchronizedList(new ArrayList<>()));
            int what = r.nextInt(10);
            long invoked = now();
            try {
                if (what < 5) {
                    long v = valueOf(c.get(key).get(TIMEOUT.toSeconds() * 3, TimeUnit.SECONDS));
                    ops.add(new Op(Kind.GET, v, invoked, now()));
                } else {
                    long value = what < 9 ? values.incrementAndGet() : Linearizability.ABSENT;
                    try {
                        (value == Linearizability.ABSENT
                                        ? c.delete(key)
                                        : c.put(
                                                key,
                                                ByteBuffer.allocate(8 + r.nextInt(4000))
                                                        .putLong(0, value)))
                                .get(TIMEOUT.toSeconds() * 3, TimeUnit.SECONDS);
                        ops.add(new Op(Kind.PUT, value, invoked, now()));
                    } catch (Exception e) {
                        ops.add(new Op(Kind.PUT, value, invoked, Linearizability.UNKNOWN));
                        throw e;
                    }
                }
            } catch (Exception e) {
                // A mirror down, a stale layout past its retries: the operation's outcome is unknown.
                sleep(50);
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void everyKeysHistoryIsLinearizableThroughStopsKillsAndAReplacedMirror() throws Exception {
        for (int i = 0; i < 4; i++) {
            nodes.add(startNode(i));
        }
        List<Layout.Mirror> mirrors = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            mirrors.add(new Layout.Mirror(kvVolume(i, 1), 0, true));
        }
        layout.set(new Layout(1, Layout.RESERVED_KEYS, SLOTS, List.of(new Layout.Shard(0, mirrors))));

        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            DkvClient client = client(c + 1);
            long seed = 20261203L + c;
            clients.add(Thread.ofVirtual().start(() -> load(client, seed, running)));
        }
        Thread.sleep(2000);
        stopKillAndRestart();
        long copied = replaceTheLostNode();
        Thread.sleep(2000);

        running.set(false);
        for (Thread t : clients) {
            t.join(Duration.ofMinutes(1));
        }
        Map<Long, Long> finalValues = getEveryKey();
        long acknowledged = history.values().stream()
                .flatMap(List::stream)
                .filter(o -> o.kind() == Kind.PUT && o.responded() != Linearizability.UNKNOWN)
                .count();
        assertThat(acknowledged).as("puts acknowledged across the faults").isGreaterThan(50);
        assertThat(copied).as("slots the recovery wrote to the fresh mirror").isPositive();
        history.forEach((key, ops) -> assertThat(Linearizability.check(new ArrayList<>(ops)))
                .as("the history of key %d is not linearizable: %s", key, ops)
                .isTrue());
        everyMirrorHolds(finalValues);
    }

    private void stopKillAndRestart() throws Exception {
        // A node stopped for two seconds: its mirror's I/O waits, then goes on.
        nodes.get(1).process().pause();
        Thread.sleep(2000);
        nodes.get(1).process().resume();
        Thread.sleep(1000);

        // A node killed and started again on its drive: its KV volume is still there, at its epoch.
        nodes.get(2).process().kill();
        Thread.sleep(500);
        nodes.set(2, startNode(2));
        Thread.sleep(2000);
    }

    /** Slots the recovery wrote. */
    private long replaceTheLostNode() throws Exception {

        // A node lost for good: a new epoch without it, a fresh KV volume on node 3, recovered while
        // the clients go on, then made ready under another epoch.
        nodes.get(0).process().kill();
        Layout before = layout.get();
        List<Layout.Mirror> replaced =
                new ArrayList<>(before.shards().getFirst().mirrors());
        replaced.set(0, new Layout.Mirror(kvVolume(3, before.epoch() + 1), 0, false));
        Layout recovering =
                new Layout(before.epoch() + 1, before.firstKey(), SLOTS, List.of(new Layout.Shard(0, replaced)));
        publish(recovering);
        long copied = client(100).recover(recovering, 0).get(1, TimeUnit.MINUTES);
        List<Layout.Mirror> ready = replaced.stream()
                .map(m -> new Layout.Mirror(m.volume(), 0, true))
                .toList();
        publish(new Layout(recovering.epoch() + 1, before.firstKey(), SLOTS, List.of(new Layout.Shard(0, ready))));
        return copied;
    }

    /** A get of every key by a new client, added to the histories; the values got. */
    private Map<Long, Long> getEveryKey() throws Exception {
        DkvClient last = client(99);
        Map<Long, Long> finalValues = new HashMap<>();
        for (long k = Layout.RESERVED_KEYS; k < Layout.RESERVED_KEYS + KEYS; k++) {
            long invoked = now();
            long v = valueOf(last.get(k).get(1, TimeUnit.MINUTES));
            finalValues.put(k, v);
            history.computeIfAbsent(k, x -> Collections.synchronizedList(new ArrayList<>()))
                    .add(new Op(Kind.GET, v, invoked, now()));
        }
        return finalValues;
    }

    /** Every mirror of the last layout holds the same put for every key, and it is the value got. */
    private void everyMirrorHolds(Map<Long, Long> finalValues) {
        Layout end = layout.get();
        for (long k = Layout.RESERVED_KEYS; k < Layout.RESERVED_KEYS + KEYS; k++) {
            List<SlotRead> reads = new ArrayList<>();
            for (Layout.Mirror m : end.shards().getFirst().mirrors()) {
                reads.add(SlotCodec.decode(
                        connectors
                                .getLast()
                                .open(m, end.epoch())
                                .read(end.slotOf(k, m), 1)
                                .join(),
                        k));
            }
            // The same put everywhere (settle marks, not awaited, may still be on their way).
            List<String> puts = reads.stream()
                    .map(r ->
                            r instanceof SlotRead.Valid(var s) ? s.version() + "=" + valueOf(s.value()) : r.toString())
                    .toList();
            assertThat(puts).as("key %d on every mirror", k).containsOnly(puts.getFirst());
            if (reads.getFirst() instanceof SlotRead.Valid(var s)) {
                assertThat(valueOf(s.value())).isEqualTo(finalValues.get(k));
            }
        }
    }
}
