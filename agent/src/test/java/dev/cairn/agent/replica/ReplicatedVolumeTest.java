package dev.cairn.agent.replica;

import static dev.cairn.agent.replica.VolumeFixture.REGION;
import static dev.cairn.agent.replica.VolumeFixture.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.legs.header.LegHeader;
import dev.cairn.nbd.NbdException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReplicatedVolumeTest {
    private final VolumeFixture f = new VolumeFixture(3);

    @AfterEach
    void close() {
        f.close();
    }

    private static LegHeader header(byte[] block) {
        return ((LegHeader.Valid) LegHeader.decode(ByteBuffer.wrap(block))).header();
    }

    @Test
    void newVolumeStartsWithEveryLegInSyncAndHeadersWritten() {
        ReplicatedVolume v = f.attach(2);
        assertThat(v.legStates()).containsOnly(LegSyncState.IN_SYNC);
        for (int i = 0; i < 3; i++) {
            LegHeader h = header(f.leg(i).snapshot(0, LegHeader.BYTES));
            assertThat(h.volumeId()).isEqualTo(f.volumeId);
            assertThat(h.legId()).isEqualTo(f.legIds.get(i));
            assertThat(h.generation()).isEqualTo(2);
            assertThat(h.inSync()).containsExactlyElementsOf(f.legIds);
        }
        assertThat(v.progress().copiedBytes()).isZero();
    }

    @Test
    void writeIsAcknowledgedOnlyAfterEveryInSyncLeg() throws Exception {
        ReplicatedVolume v = f.attach(1);
        v.write(0, pattern(1, 4096), false); // the region's bit is set now; the next write is data only
        CompletableFuture<Void> gate = f.leg(2).holdWrites();
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
            try {
                v.write(0, pattern(2, 4096), false);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !write.isDone());
        assertThat(f.leg(0).snapshot(VolumeFixture.HEADER, 4096))
                .isEqualTo(pattern(2, 4096).array());
        gate.complete(null);
        write.get(5, TimeUnit.SECONDS);
        assertThat(f.leg(2).snapshot(VolumeFixture.HEADER, 4096))
                .isEqualTo(pattern(2, 4096).array());
    }

    @Test
    void failedLegIsDroppedIoContinuesAndSurvivorsRecordIt() throws Exception {
        ReplicatedVolume v = f.attach(1);
        long eventsBefore = header(f.leg(0).snapshot(0, LegHeader.BYTES)).events();
        f.leg(1).failWrites(true);
        v.write(5 * REGION, pattern(3, 8192), true);
        assertThat(v.legStates().get(0)).isEqualTo(LegSyncState.IN_SYNC);
        assertThat(v.legStates().get(2)).isEqualTo(LegSyncState.IN_SYNC);
        assertThat(v.legStates().get(1)).as("it keeps failing its writes").isNotEqualTo(LegSyncState.IN_SYNC);
        LegHeader survivor = header(f.leg(0).snapshot(0, LegHeader.BYTES));
        assertThat(survivor.events()).isGreaterThan(eventsBefore);
        assertThat(survivor.inSync()).containsExactly(f.legIds.get(0), f.legIds.get(2));
        assertThat(header(f.leg(1).snapshot(0, LegHeader.BYTES)).events()).isEqualTo(eventsBefore);
        ByteBuffer back = ByteBuffer.allocate(8192);
        v.read(5 * REGION, back);
        assertThat(back.array()).isEqualTo(pattern(3, 8192).array());
        assertThat(v.report().legs().get(1).error())
                .hasValueSatisfying(e -> assertThat(e).contains("injected"));
    }

    @Test
    void readThatFailsIsRetriedOnAnotherLeg() throws Exception {
        ReplicatedVolume v = f.attach(1);
        v.write(0, pattern(4, 4096), false);
        f.leg(0).failReads(true);
        f.leg(1).failReads(true);
        for (int i = 0; i < 3; i++) {
            ByteBuffer back = ByteBuffer.allocate(4096);
            v.read(0, back);
            assertThat(back.array()).isEqualTo(pattern(4, 4096).array());
        }
        assertThat(v.legStates()).contains(LegSyncState.IN_SYNC);
    }

    @Test
    void readsStayOnOneLegUntilItFallsBehindThenSpread() throws Exception {
        ReplicatedVolume v = f.attach(1);
        v.write(0, pattern(8, 4096), false);
        long others = f.leg(1).reads() + f.leg(2).reads(); // the header reads of the attach
        for (int i = 0; i < 20; i++) {
            v.read(0, ByteBuffer.allocate(4096));
        }
        assertThat(f.leg(1).reads() + f.leg(2).reads())
                .as("light load stays on the first leg")
                .isEqualTo(others);
        CompletableFuture<Void> gate = f.leg(0).holdReads();
        List<Thread> readers = new java.util.ArrayList<>();
        for (int i = 0; i < 2 * LegSet.READ_SPREAD_AFTER; i++) {
            readers.add(Thread.ofVirtual().start(() -> {
                try {
                    v.read(0, ByteBuffer.allocate(4096));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
        await().until(() -> f.leg(1).reads() + f.leg(2).reads() >= others + 8);
        gate.complete(null);
        for (Thread t : readers) {
            t.join();
        }
        assertThat(f.leg(0).reads()).isGreaterThanOrEqualTo(LegSet.READ_SPREAD_AFTER);
    }

    @Test
    void withNoInSyncLegLeftIoFailsWithEio() throws Exception {
        ReplicatedVolume v = f.attach(1);
        for (int i = 0; i < 3; i++) {
            f.leg(i).failWrites(true);
            f.leg(i).failReads(true);
        }
        assertThatThrownBy(() -> v.write(0, pattern(5, 4096), false))
                .isInstanceOf(NbdException.class)
                .hasMessageContaining("no in-sync leg");
        assertThatThrownBy(() -> v.read(0, ByteBuffer.allocate(4096))).isInstanceOf(NbdException.class);
    }

    @Test
    void legThatStopsAnsweringIsFailedAfterTheTimeout() throws Exception {
        f.legTimeout = Duration.ofMillis(300);
        ReplicatedVolume v = f.attach(1);
        f.leg(2).hang(true);
        v.write(REGION, pattern(6, 4096), false);
        assertThat(v.legStates().get(2))
                .as("a hanging leg never gets back in sync")
                .isNotEqualTo(LegSyncState.IN_SYNC);
        assertThat(v.report().legs().get(2).error().orElse("")).contains("leg timeout");
    }

    @Test
    void returningLegGetsOnlyDirtyRegions() throws Exception {
        ReplicatedVolume v = f.attach(1);
        for (int r = 0; r < 8; r++) {
            v.write(r * REGION, pattern(r, (int) REGION), false);
        }
        v.sweepBitmap(); // first sweep marks, second clears what was not written since
        assertThat(v.sweepBitmap()).isEqualTo(8);
        assertThat(v.bitmap().dirtyCount()).isZero();

        f.leg(1).down(true);
        await().until(() -> v.legStates().get(1) == LegSyncState.FAILED);
        v.write(3 * REGION + 100, pattern(30, 5000), false);
        v.write(40 * REGION - 10, pattern(40, 20), false); // straddles regions 39 and 40
        assertThat(v.bitmap().dirtyRegions()).containsExactly(3L, 39L, 40L);
        assertThat(v.sweepBitmap())
                .as("nothing is cleared while a leg is missing")
                .isZero();
        assertThat(v.sweepBitmap()).isZero();

        f.leg(1).down(false);
        VolumeFixture.awaitAllInSync(v);
        assertThat(v.progress().copiedBytes()).isEqualTo(3 * REGION);
        assertThat(f.dataOn(1)).isEqualTo(f.dataOn(0)).isEqualTo(f.dataOn(2));
        assertThat(header(f.leg(1).snapshot(0, LegHeader.BYTES)).inSync()).containsExactlyElementsOf(f.legIds);
    }

    @Test
    void resyncUnderConcurrentWritesNeverLeavesARegionOlderThanTheLastWrite() throws Exception {
        ReplicatedVolume v = f.attach(1);
        f.leg(2).down(true);
        await().until(() -> v.legStates().get(2) == LegSyncState.FAILED);
        for (int r = 0; r < 128; r++) {
            v.write(r * REGION, pattern(1000 + r, (int) REGION), false);
        }
        f.leg(2).down(false);
        // Writes race the copy; each region's last write must be what every leg holds at the end.
        List<Thread> writers = new java.util.ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            writers.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 64; i++) {
                    long region = (i * 4L + thread) % 128;
                    try {
                        v.write(region * REGION + 512, pattern(region * 7 + i, 4096), false);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }));
        }
        for (Thread w : writers) {
            w.join();
        }
        VolumeFixture.awaitAllInSync(v);
        assertThat(f.dataOn(2)).isEqualTo(f.dataOn(0)).isEqualTo(f.dataOn(1));
    }
}
