package dev.cairn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.dkv.DkvClient;
import dev.cairn.dkv.Layout;
import dev.cairn.dkv.LayoutCache;
import dev.cairn.dkv.NbdMirrors;
import dev.cairn.dkv.SlotCodec;
import dev.cairn.dkv.SlotRead;
import dev.cairn.drive.Drive;
import dev.cairn.drive.ExtentAccess;
import dev.cairn.drive.ExtentRecord;
import dev.cairn.drive.backend.CrashingBackend;
import dev.cairn.drive.backend.MemoryBackend;
import dev.cairn.nbd.server.NbdServer;
import dev.cairn.nbd.server.RequestObserver;
import dev.cairn.nbd.server.ServerConfig;
import dev.cairn.testkit.FakeClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A torn slot from the crash-simulating drive: three KV volumes served over NBD, the first on a
 * drive with a volatile write cache. Power is lost while a put's 4 KiB slot write is reaching that
 * drive, with only its first 512-byte sector on the medium; the node comes back on that image. The
 * torn slot is never returned: a get that meets it resolves the key from the other mirrors and
 * writes the good slot back over it.
 */
class DkvTornSlotTest {
    private static final String SECRET = "kv";
    private static final long SLOTS = 64;
    private static final long K = Layout.RESERVED_KEYS + 5;
    private static final FakeClock CLOCK = new FakeClock();
    /** Values longer than a sector, so that a slot torn after its first sector mixes two puts. */
    private static final String OLD = "o".repeat(3000);

    private static final String NEW = "n".repeat(3000);

    private final ExecutorService io = Executors.newFixedThreadPool(2);
    private final List<NbdMirrors> connectors = new ArrayList<>();
    private final AtomicReference<NbdServer> server = new AtomicReference<>();
    private final List<UUID> volumes = new ArrayList<>();
    private Layout layout;

    @AfterEach
    void stop() {
        connectors.forEach(NbdMirrors::close);
        Optional.ofNullable(server.get()).ifPresent(NbdServer::close);
        io.shutdown();
    }

    private static Drive drive(MemoryBackend backend) throws IOException {
        return Drive.format(backend, UUID.randomUUID(), UUID.randomUUID(), CLOCK);
    }

    private void serve(List<Drive> drives) throws IOException {
        Optional.ofNullable(server.get()).ifPresent(NbdServer::close);
        server.set(NbdServer.start(
                ServerConfig.defaults(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
                new ExtentExports(
                        new ExtentService(drives),
                        io,
                        RequestObserver.NONE,
                        KvGate.open(),
                        KvExtentSession.SlotObserver.NONE)));
    }

    private NbdMirrors mirrors() {
        NbdMirrors m = new NbdMirrors(
                new NbdMirrors.Locator() {
                    @Override
                    public SocketAddress address(UUID volume) {
                        return new InetSocketAddress(
                                InetAddress.getLoopbackAddress(), server.get().port());
                    }

                    @Override
                    public String exportName(UUID volume, long epoch) {
                        return ExportName.of(volume, epoch, SECRET);
                    }
                },
                Duration.ofSeconds(5));
        connectors.add(m);
        return m;
    }

    private DkvClient client(long writer) {
        return new DkvClient(new LayoutCache(() -> CompletableFuture.completedFuture(layout)), mirrors(), writer);
    }

    /** What the first mirror holds for {@code K}, read over NBD by a connection of its own. */
    private SlotRead onFirstMirror() {
        Layout.Mirror m = layout.shards().getFirst().mirrors().getFirst();
        return SlotCodec.decode(
                mirrors().open(m, 1).read(layout.slotOf(K, m), 1).join(), K);
    }

    private static String text(SlotRead r) {
        return r instanceof SlotRead.Valid(var s)
                ? new String(s.value().orElseThrow(), StandardCharsets.UTF_8)
                : r.toString();
    }

    @Test
    void aSlotTornByAPowerLossIsNeverReturnedAndIsRepaired() throws Exception {
        CrashingBackend cached = new CrashingBackend(new MemoryBackend(64L << 20));
        List<Drive> drives = new ArrayList<>(List.of(
                Drive.format(cached, UUID.randomUUID(), UUID.randomUUID(), CLOCK),
                drive(new MemoryBackend(64L << 20)),
                drive(new MemoryBackend(64L << 20))));
        List<Layout.Mirror> mirrors = new ArrayList<>();
        for (Drive d : drives) {
            UUID id = UUID.randomUUID();
            d.allocate(id, SLOTS * SlotCodec.SLOT_BYTES, new ExtentAccess(1, SECRET), ExtentRecord.Kind.KV);
            volumes.add(id);
            mirrors.add(new Layout.Mirror(id, 0, true));
        }
        layout = new Layout(1, Layout.RESERVED_KEYS, SLOTS, List.of(new Layout.Shard(0, mirrors)));
        serve(drives);

        DkvClient writer = client(1);
        writer.put(K, ByteBuffer.wrap(OLD.getBytes(StandardCharsets.UTF_8))).join();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> onFirstMirror() instanceof SlotRead.Valid(var s) && s.settled());

        // Power is lost while the next slot write reaches the cached drive: one sector of it lands.
        AtomicBoolean armed = new AtomicBoolean(true);
        AtomicReference<MemoryBackend> crashed = new AtomicReference<>();
        cached.onMutation(b -> {
            int last = b.pendingMutations() - 1;
            if (armed.get() && b.pendingLength(last) == SlotCodec.SLOT_BYTES) {
                armed.set(false);
                crashed.set(b.crashImage(i -> i < last, last, CrashingBackend.SECTOR));
            }
        });
        writer.put(K, ByteBuffer.wrap(NEW.getBytes(StandardCharsets.UTF_8))).join();
        assertThat(crashed.get()).as("the slot write was caught in flight").isNotNull();

        drives.set(0, Drive.open(crashed.get(), CLOCK).orElseThrow());
        serve(drives);
        assertThat(onFirstMirror()).as("the slot is torn on the medium").isInstanceOf(SlotRead.Corrupt.class);

        DkvClient reader = client(2);
        for (int i = 0; i < 3; i++) { // the client reads the mirrors in turn: the torn one is met
            assertThat(reader.get(K).join())
                    .map(v -> new String(v, StandardCharsets.UTF_8))
                    .hasValue(NEW);
        }
        assertThat(text(onFirstMirror())).as("repaired from the other mirrors").isEqualTo(NEW);
    }
}
