package dev.cairn.agent.replica;

import static dev.cairn.agent.replica.VolumeFixture.HEADER;
import static dev.cairn.agent.replica.VolumeFixture.REGION;
import static dev.cairn.agent.replica.VolumeFixture.SIZE;
import static dev.cairn.agent.replica.VolumeFixture.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.agent.ServedVolume;
import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.legs.header.LegHeader;
import dev.cairn.legs.sync.BlockingPause;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Legs added and removed by the controller at the same generation, while the volume serves. */
class OnlineLegChangesTest {
    private static final int REGIONS = (int) (SIZE / REGION);

    private VolumeFixture f;

    @AfterEach
    void close() {
        f.close();
    }

    private static LegHeader header(byte[] block) {
        return ((LegHeader.Valid) LegHeader.decode(ByteBuffer.wrap(block))).header();
    }

    private UUID id(int leg) {
        return f.legIds.get(leg);
    }

    /** Client writes on four threads, each to its own regions, until stopped; remembers the last. */
    private static final class Writers {
        final AtomicBoolean stop = new AtomicBoolean();
        final List<Throwable> errors = new ArrayList<>();
        final ConcurrentHashMap<Long, Long> lastSeed = new ConcurrentHashMap<>();
        final List<Thread> threads = new ArrayList<>();

        Writers(ReplicatedVolume v) {
            for (int t = 0; t < 4; t++) {
                int thread = t;
                threads.add(Thread.ofVirtual().start(() -> {
                    for (long i = 0; !stop.get(); i++) {
                        long region = (i * 5 % (REGIONS / 4)) * 4 + thread;
                        long seed = region * 100_000 + i;
                        try {
                            v.write(region * REGION + 1024, pattern(seed, 8192), false);
                            lastSeed.put(region, seed);
                        } catch (IOException | RuntimeException e) {
                            synchronized (errors) {
                                errors.add(e);
                            }
                            return;
                        }
                    }
                }));
            }
        }

        void stop() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
        }
    }

    @Test
    void legAddedWhileWritesGoOnIsCopiedInFullAndJoinsIdentical() throws Exception {
        f = new VolumeFixture(2);
        ReplicatedVolume v = f.attach(1);
        ReplicatedVolume attached = f.attached.getFirst();
        for (int r = 0; r < REGIONS; r += 3) {
            v.write(r * REGION, pattern(r, (int) REGION), false);
        }
        UUID added = UUID.randomUUID();
        Writers writers = new Writers(v);
        await().until(() -> writers.lastSeed.size() > 8);

        attached.reconfigure(f.spec(1, List.of(id(0), id(1), added)));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> v.legStates()
                        .equals(List.of(LegSyncState.IN_SYNC, LegSyncState.IN_SYNC, LegSyncState.IN_SYNC)));
        writers.stop();

        assertThat(writers.errors).as("no client write failed").isEmpty();
        assertThat(attached).as("the same volume").isSameAs(v);
        assertThat(v.phase()).as("it kept serving").isEqualTo(new ServedVolume.Serving());
        assertThat(attached.spec().legIds()).containsExactly(id(0), id(1), added);
        assertThat(v.progress().copiedBytes())
                .as("the new leg got every region, once")
                .isEqualTo(SIZE);
        assertThat(f.dataOn(2)).isEqualTo(f.dataOn(0)).isEqualTo(f.dataOn(1));
        for (var last : writers.lastSeed.entrySet()) {
            assertThat(f.leg(2).snapshot(HEADER + last.getKey() * REGION + 1024, 8192))
                    .as("the new leg holds the last write to region %d", last.getKey())
                    .isEqualTo(pattern(last.getValue(), 8192).array());
        }
        for (int leg = 0; leg < 3; leg++) {
            assertThat(header(f.leg(leg).snapshot(0, LegHeader.BYTES)).inSync()).containsExactly(id(0), id(1), added);
        }
    }

    @Test
    void regionsThatAreHolesOnTheSourceAreZeroedNotCopied() throws Exception {
        f = new VolumeFixture(2);
        ReplicatedVolume v = f.attach(1);
        for (int r = 0; r < 10; r++) {
            v.write(r * REGION, pattern(r, (int) REGION), false);
        }
        UUID added = UUID.randomUUID();
        f.attached.getFirst().reconfigure(f.spec(1, List.of(id(0), id(1), added)));
        VolumeFixture.awaitAllInSync(v);
        await().until(() -> v.legStates().size() == 3);
        VolumeFixture.awaitAllInSync(v);

        assertThat(f.leg(2).zeroedBytes()).isEqualTo((REGIONS - 10) * REGION);
        assertThat(v.progress().copiedBytes()).isEqualTo(SIZE);
        assertThat(f.dataOn(2)).isEqualTo(f.dataOn(0));
    }

    @Test
    void legRemovedOnlineIsDroppedWithoutAClientError() throws Exception {
        f = new VolumeFixture(3);
        ReplicatedVolume v = f.attach(1);
        ReplicatedVolume attached = f.attached.getFirst();
        v.write(0, pattern(1, 4096), false); // its region's bit is set: the next write is data only
        long eventsBefore = header(f.leg(0).snapshot(0, LegHeader.BYTES)).events();

        f.leg(2).hang(true);
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
            try {
                v.write(0, pattern(2, 4096), false);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        CompletableFuture<Void> flush = CompletableFuture.runAsync(() -> {
            try {
                v.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        await().during(Duration.ofMillis(200))
                .atMost(Duration.ofSeconds(2))
                .until(() -> !write.isDone() && !flush.isDone());

        attached.reconfigure(f.spec(1, List.of(id(0), id(1))));
        write.get(2, TimeUnit.SECONDS); // well before the 5 s leg timeout
        flush.get(2, TimeUnit.SECONDS);

        await().until(() -> v.legStates().size() == 2);
        assertThat(v.legStates()).containsOnly(LegSyncState.IN_SYNC);
        assertThat(attached.spec().legIds()).containsExactly(id(0), id(1));
        assertThat(f.leg(2).openConnections()).isZero();
        for (int leg = 0; leg < 2; leg++) {
            LegHeader h = header(f.leg(leg).snapshot(0, LegHeader.BYTES));
            assertThat(h.inSync()).containsExactly(id(0), id(1));
            assertThat(h.events()).isGreaterThan(eventsBefore);
        }

        f.leg(2).hang(false);
        long removedGot = f.leg(2).writtenBytes();
        v.write(5 * REGION, pattern(3, 8192), true);
        v.flush();
        ByteBuffer back = ByteBuffer.allocate(8192);
        v.read(5 * REGION, back);
        assertThat(back.array()).isEqualTo(pattern(3, 8192).array());
        assertThat(f.leg(2).writtenBytes())
                .as("the removed leg gets nothing more")
                .isEqualTo(removedGot);
        assertThat(f.dataOn(0)).isEqualTo(f.dataOn(1));
    }

    @Test
    void removingALegMidSyncStopsTheSync() throws Exception {
        f = new VolumeFixture(2);
        BlockingPause pause = new BlockingPause(6);
        f.throttle = pause.throttle(20 * REGION); // a region per 50 ms slice
        ReplicatedVolume v = f.attach(1);
        ReplicatedVolume attached = f.attached.getFirst();
        for (int r = 0; r < REGIONS; r++) {
            v.write(r * REGION, pattern(r, (int) REGION), false);
        }
        UUID added = UUID.randomUUID();
        attached.reconfigure(f.spec(1, List.of(id(0), id(1), added)));
        await().until(() -> pause.blocked.get() == 2); // both copy workers wait for the throttle
        long copied = v.progress().copiedBytes();
        assertThat(copied).isPositive().isLessThan(SIZE);
        assertThat(v.report().resync().totalBytes()).isEqualTo(SIZE);

        attached.reconfigure(f.spec(1, List.of(id(0), id(1))));
        await().until(() -> pause.blocked.get() == 0 && v.report().resync().totalBytes() == 0);
        assertThat(v.legStates()).containsExactly(LegSyncState.IN_SYNC, LegSyncState.IN_SYNC);
        assertThat(f.memory.extent(added).openConnections()).isZero();
        assertThat(LegHeader.decode(ByteBuffer.wrap(f.memory.extent(added).snapshot(0, LegHeader.BYTES))))
                .as("never in sync, never given a header")
                .isInstanceOf(LegHeader.Blank.class);
        assertThat(header(f.leg(0).snapshot(0, LegHeader.BYTES)).inSync()).containsExactly(id(0), id(1));
        long addedGot = f.memory.extent(added).writtenBytes();
        v.write(0, pattern(9, 4096), false);
        assertThat(f.memory.extent(added).writtenBytes()).isEqualTo(addedGot);
        assertThat(v.progress().copiedBytes()).isEqualTo(copied);
    }

    @Test
    void theOnlyInSyncLegIsKeptUntilAnotherJoins() throws Exception {
        f = new VolumeFixture(2);
        ReplicatedVolume v = f.attach(1);
        ReplicatedVolume attached = f.attached.getFirst();
        f.leg(1).down(true);
        await().until(() -> v.legStates().get(1) == LegSyncState.FAILED);
        v.write(3 * REGION, pattern(3, 4096), false);

        attached.reconfigure(f.spec(1, List.of(id(1))));
        await().during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(5))
                .until(() -> v.legStates().equals(List.of(LegSyncState.IN_SYNC, LegSyncState.FAILED)));
        v.write(4 * REGION, pattern(4, 4096), false);
        assertThat(attached.spec().legIds()).containsExactly(id(0), id(1));

        f.leg(1).down(false);
        await().atMost(Duration.ofSeconds(20)).until(() -> v.legStates().equals(List.of(LegSyncState.IN_SYNC)));
        assertThat(attached.spec().legIds()).containsExactly(id(1));
        assertThat(f.leg(1).snapshot(HEADER + 3 * REGION, 4096))
                .isEqualTo(pattern(3, 4096).array());
        assertThat(f.leg(1).snapshot(HEADER + 4 * REGION, 4096))
                .isEqualTo(pattern(4, 4096).array());
        assertThat(header(f.leg(1).snapshot(0, LegHeader.BYTES)).inSync()).containsExactly(id(1));
    }

    @Test
    void aSpecOfAnotherGenerationOrGeometryIsRefused() {
        f = new VolumeFixture(2);
        f.attach(3);
        ReplicatedVolume attached = f.attached.getFirst();
        assertThatThrownBy(() -> attached.reconfigure(f.spec(4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("generation 4");
        VolumeSpec smaller = new VolumeSpec(
                f.volumeId, "v", SIZE - REGION, REGION, 3, f.spec(3).legs());
        assertThatThrownBy(() -> attached.reconfigure(smaller))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("never shrinks");
        VolumeSpec otherRegions =
                new VolumeSpec(f.volumeId, "v", SIZE, 2 * REGION, 3, f.spec(3).legs());
        assertThatThrownBy(() -> attached.reconfigure(otherRegions))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("differ");
        assertThatThrownBy(() -> f.spec(3, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no legs");
        assertThat(attached.spec().legIds()).containsExactly(id(0), id(1));
    }

    @Test
    void aVolumeGrownWhileServedServesTheNewSizeAtTheSameGenerationWithItsDataWhereItWas() throws Exception {
        f = new VolumeFixture(3, 4 * SIZE + HEADER);
        ReplicatedVolume v = f.attach(1);
        v.write(SIZE - 4096, pattern(1, 4096), false);
        long grown = 3 * SIZE;

        v.reconfigure(f.spec(1, grown));
        await().until(() -> v.sizeBytes() == grown);
        assertThat(v.spec().generation()).isEqualTo(1);
        assertThat(v.bitmap().regions()).isEqualTo(3L * REGIONS);
        assertThat(v.legStates()).containsOnly(LegSyncState.IN_SYNC);
        v.write(2 * SIZE, pattern(2, (int) REGION), false); // past the old end
        assertThat(v.bitmap().isDirty(2L * REGIONS)).isTrue();
        ByteBuffer back = ByteBuffer.allocate(4096);
        v.read(SIZE - 4096, back);
        assertThat(back.array()).isEqualTo(pattern(1, 4096).array());
        for (int leg = 0; leg < 3; leg++) {
            assertThat(f.leg(leg).snapshot(HEADER + 2 * SIZE, (int) REGION))
                    .isEqualTo(pattern(2, (int) REGION).array());
            int l = leg;
            await().untilAsserted(() -> assertThat(
                            header(f.leg(l).snapshot(0, LegHeader.BYTES)).volumeSizeBytes())
                    .as("the superblock says the new size")
                    .isEqualTo(grown));
        }
        assertThatThrownBy(() -> v.reconfigure(f.spec(1, SIZE))).hasMessageContaining("never shrinks");

        f.attached.getFirst().close();
        ReplicatedVolume again = f.attach(f.spec(2, grown));
        VolumeFixture.awaitAllInSync(again);
        assertThat(again.progress().copiedBytes()).isZero();
        ByteBuffer past = ByteBuffer.allocate((int) REGION);
        again.read(2 * SIZE, past);
        assertThat(past.array()).isEqualTo(pattern(2, (int) REGION).array());
    }
}
