package dev.cairn.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.dkv.DkvClient;
import dev.cairn.dkv.Layout;
import dev.cairn.dkv.LayoutCache;
import dev.cairn.dkv.NbdMirrors;
import dev.cairn.dkv.SlotCodec;
import dev.cairn.dkv.SlotRead;
import dev.cairn.testkit.AdminHttp;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DKV client over real KV volumes: three extents of kind KV on a storage node in this JVM (one
 * node stands for three here; placement on distinct nodes is the controller's), reached over NBD
 * through {@link NbdMirrors}, with a layout this test publishes as the controller will: epochs
 * that fence old clients, and a mirror replaced and recovered.
 */
class DkvOverNbdTest {
    private static final String SECRET = "kv";
    private static final long SLOTS = 64;
    private static final long K = Layout.RESERVED_KEYS;

    @TempDir
    Path dir;

    private StorageNode node;
    private AdminHttp admin;
    private final AtomicReference<Layout> published = new AtomicReference<>();
    private final List<NbdMirrors> connectors = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        NodeFixture.Running running = NodeFixture.startOneDrive(dir);
        node = running.node();
        admin = running.admin();
        List<Layout.Mirror> mirrors = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            mirrors.add(new Layout.Mirror(kvVolume(1), i * 8L, true));
        }
        published.set(new Layout(1, K, SLOTS - 16, List.of(new Layout.Shard(0, mirrors))));
    }

    @AfterEach
    void stop() {
        connectors.forEach(NbdMirrors::close);
        if (node != null) {
            node.close();
        }
    }

    private UUID kvVolume(long epoch) {
        return NodeFixture.createExtent(admin, SLOTS * SlotCodec.SLOT_BYTES, epoch, SECRET, "kv");
    }

    private DkvClient client(long writer) {
        return new DkvClient(
                new LayoutCache(() -> CompletableFuture.completedFuture(published.get())), mirrors(), writer);
    }

    /** A connector to the node's KV volumes, closed after the test. */
    private NbdMirrors mirrors() {
        NbdMirrors mirrors = new NbdMirrors(
                new NbdMirrors.Locator() {
                    @Override
                    public SocketAddress address(UUID volume) {
                        return new InetSocketAddress(
                                InetAddress.getLoopbackAddress(),
                                node.nbdAddress().getPort());
                    }

                    @Override
                    public String exportName(UUID volume, long epoch) {
                        return ExportName.of(volume, epoch, SECRET);
                    }
                },
                Duration.ofSeconds(5));
        connectors.add(mirrors);
        return mirrors;
    }

    /** Publishes {@code next} and moves every KV volume of it to its epoch, as the controller does. */
    private void publish(Layout next) {
        for (Layout.Mirror m : next.shards().getFirst().mirrors()) {
            AdminHttp.Response moved = admin.call(
                    "PUT",
                    "/v1/extents/" + m.volume() + "/access",
                    "{\"generation\":" + next.epoch() + ",\"secret\":\"" + SECRET + "\"}");
            assertThat(moved.status()).isEqualTo(200);
        }
        published.set(next);
    }

    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static Optional<String> string(Optional<byte[]> v) {
        return v.map(b -> new String(b, StandardCharsets.UTF_8));
    }

    @Test
    void putsGetsDeletesAndScansGoThroughTheNode() {
        DkvClient a = client(1);
        DkvClient b = client(2);
        List<CompletableFuture<Void>> puts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            puts.add((i % 2 == 0 ? a : b).put(K + i, text("value " + i)));
        }
        CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).join();
        a.delete(K + 7).join();
        for (int i = 0; i < 40; i++) {
            assertThat(string(b.get(K + i).join())).isEqualTo(i == 7 ? Optional.empty() : Optional.of("value " + i));
        }
        assertThat(a.scan(K, K + 10, 100).join().keySet())
                .containsExactly(K, K + 1, K + 2, K + 3, K + 4, K + 5, K + 6, K + 8, K + 9);
    }

    @Test
    void concurrentPutsOfOneKeyLeaveOneWinnerOnEveryMirror() {
        List<DkvClient> clients = List.of(client(1), client(2), client(3));
        List<CompletableFuture<Void>> puts = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            for (int c = 0; c < 3; c++) {
                puts.add(clients.get(c).put(K + 1, text("from " + c + " round " + round)));
            }
        }
        CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).join();
        Optional<String> winner = string(clients.getFirst().get(K + 1).join());
        assertThat(winner).isPresent();
        Layout l = published.get();
        for (Layout.Mirror m : l.shards().getFirst().mirrors()) {
            ByteBuffer raw = connectors
                    .getFirst()
                    .open(m, l.epoch())
                    .read(l.slotOf(K + 1, m), 1)
                    .join();
            assertThat(SlotCodec.decode(raw, K + 1))
                    .isInstanceOfSatisfying(
                            SlotRead.Valid.class,
                            v -> assertThat(string(v.slot().value())).isEqualTo(winner));
        }
    }

    /**
     * A mirror says which of its slots may hold anything (NBD block status of the node's extent),
     * through the connector a recovery uses: the slots written and no others, so that a shard's
     * recovery reads only those (it read every slot of every mirror when the connector answered
     * "all of them").
     */
    @Test
    void aMirrorReachedThroughTheConnectorSaysWhichSlotsItHolds() {
        DkvClient a = client(1);
        for (long key : List.of(K, K + 1, K + 5)) {
            a.put(key, text("v" + key)).join();
        }
        Layout layout = published.get();
        Layout.Mirror first = layout.shards().getFirst().mirrors().getFirst();
        BitSet held = mirrors()
                .open(first, layout.epoch())
                .written(layout.slotOf(K, first), 8)
                .join();
        assertThat(held.stream().boxed().toList()).containsExactly(0, 1, 5);
    }

    @Test
    void aNewEpochFencesClientsThatThenFollowItAndARecoveredMirrorHoldsEverything() {
        DkvClient a = client(1);
        for (int i = 0; i < 20; i++) {
            a.put(K + i, text("v" + i)).join();
        }
        // The quorum changes: mirror 2 is lost, a fresh KV volume takes its place (not ready yet).
        Layout before = published.get();
        List<Layout.Mirror> mirrors = new ArrayList<>(before.shards().getFirst().mirrors());
        UUID fresh = kvVolume(before.epoch() + 1);
        mirrors.set(2, new Layout.Mirror(fresh, 0, false));
        Layout replaced =
                new Layout(before.epoch() + 1, K, before.slotsPerShard(), List.of(new Layout.Shard(0, mirrors)));
        publish(replaced);
        // The client still holds epoch 1: the node refuses it, it fetches epoch 2 and goes on.
        a.put(K + 20, text("v20")).join();
        assertThat(string(a.get(K + 3).join())).contains("v3");
        assertThat(client(9).recover(replaced, 0).join()).isEqualTo(20);
        List<Layout.Mirror> ready = mirrors.stream()
                .map(m -> new Layout.Mirror(m.volume(), m.firstSlot(), true))
                .toList();
        publish(new Layout(replaced.epoch() + 1, K, replaced.slotsPerShard(), List.of(new Layout.Shard(0, ready))));
        DkvClient later = client(2);
        for (int turn = 0; turn < 3; turn++) {
            for (int i = 0; i <= 20; i++) {
                assertThat(string(later.get(K + i).join())).contains("v" + i);
            }
        }
    }
}
