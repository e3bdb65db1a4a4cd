package dev.cairn.agent.replica;

import static dev.cairn.agent.replica.VolumeFixture.REGION;
import static dev.cairn.agent.replica.VolumeFixture.SIZE;
import static dev.cairn.agent.replica.VolumeFixture.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.legs.header.LegHeader;
import dev.cairn.legs.sync.BlockingPause;
import dev.cairn.legs.sync.ResyncThrottle;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The next attachment after an agent died: bitmaps and event counters decide, never luck. */
class AttachAfterCrashTest {
    private final VolumeFixture f = new VolumeFixture(3);

    @AfterEach
    void close() {
        f.close();
    }

    @Test
    void staleLegGetsTheDirtyRegionsFromAFreshOneAndNeverOverwritesNewerData() throws Exception {
        ReplicatedVolume first = f.attach(1);
        for (int r = 0; r < 4; r++) {
            first.write(r * REGION, pattern(r, (int) REGION), false);
        }
        f.leg(2).down(true);
        await().until(() -> first.legStates().get(2) == LegSyncState.FAILED);
        first.write(REGION, pattern(99, (int) REGION), false);
        f.attached.getFirst().close(); // with a leg failed, a close clears no bit: as if the agent died
        f.leg(2).down(false);

        ReplicatedVolume second = f.attach(2);
        VolumeFixture.awaitAllInSync(second);
        for (int leg = 0; leg < 3; leg++) {
            assertThat(f.leg(leg).snapshot(VolumeFixture.HEADER + REGION, (int) REGION))
                    .as("leg %d holds the last write", leg)
                    .isEqualTo(pattern(99, (int) REGION).array());
        }
        assertThat(f.dataOn(2)).isEqualTo(f.dataOn(0)).isEqualTo(f.dataOn(1));
        ByteBuffer back = ByteBuffer.allocate((int) REGION);
        second.read(REGION, back);
        assertThat(back.array()).isEqualTo(pattern(99, (int) REGION).array());
        // Regions 0-3 were dirty; both non-source legs get them, and nothing else.
        assertThat(second.progress().copiedBytes()).isEqualTo(2 * 4 * REGION);
    }

    @Test
    void newLegHalfCopiedWhenTheAgentDiedIsNeverASource() throws Exception {
        VolumeFixture g = new VolumeFixture(2);
        try {
            BlockingPause pause = new BlockingPause(10);
            g.throttle = pause.throttle(20 * REGION);
            // One worker, one pause per region at this rate: 10 regions copied, then held, and a fill
            // record at region 8 (every SIZE / 16). With two, a worker that took region 0 and was
            // not run until the other had used up the passes held region 0: no record at all.
            g.copyWorkers = 1;
            ReplicatedVolume first = g.attach(1);
            for (int r = 0; r < 64; r++) {
                first.write(r * REGION, pattern(r, (int) REGION), false);
            }
            UUID added = UUID.randomUUID();
            List<UUID> legs = List.of(g.legIds.get(0), g.legIds.get(1), added);
            g.attached.getFirst().reconfigure(g.spec(1, legs));
            await().until(() -> pause.blocked.get() == 1); // part-way through the copy
            assertThat(g.memory.extent(added).writtenBytes()).isPositive();
            for (int r = 100; r < 110; r++) { // acknowledged while the new leg was being copied to
                first.write(r * REGION, pattern(1000 + r, (int) REGION), false);
            }
            first.write(5 * REGION, pattern(5000, 4096), false);
            // The copy's coordinator writes the record once the worker has copied enough; it may
            // still be on its way when the worker is held. Never a superblock, at any time.
            await().untilAsserted(() -> assertThat(header(g, added))
                    .as("a leg never in sync has no superblock, only a record of how far its copy got")
                    .isInstanceOf(LegHeader.Filling.class));
            byte[] expected = g.dataOn(0);
            g.attached.getFirst().close(); // the agent dies

            g.throttle = ResyncThrottle.unlimited();
            ReplicatedVolume second = g.attach(g.spec(2, legs));
            VolumeFixture.awaitAllInSync(second);
            assertThat(second.legStates()).hasSize(3);
            for (int leg = 0; leg < 3; leg++) {
                assertThat(g.dataOn(leg))
                        .as("leg %d holds every acknowledged write", leg)
                        .isEqualTo(expected);
            }
            ByteBuffer back = ByteBuffer.allocate(4096);
            second.read(5 * REGION, back);
            assertThat(back.array()).isEqualTo(pattern(5000, 4096).array());
            // The new leg gets the regions from its fill record on, and the dirty ones below it (here
            // every one: written before, never swept); the other fresh leg, the 74 dirty ones.
            assertThat(second.progress().copiedBytes()).isEqualTo(SIZE + 74 * REGION);
            LegHeader h = ((LegHeader.Valid) LegHeader.decode(
                            ByteBuffer.wrap(g.memory.extent(added).snapshot(0, LegHeader.BYTES))))
                    .header();
            assertThat(h.inSync()).containsExactlyInAnyOrderElementsOf(legs);
        } finally {
            g.close();
        }
    }

    @Test
    void newLegPartWayThroughItsCopyWhenTheAgentDiedGoesOnFromItsFillRecord() throws Exception {
        VolumeFixture g = new VolumeFixture(2);
        try {
            BlockingPause pause = new BlockingPause(60);
            g.throttle = pause.throttle(20 * REGION);
            g.fillRecordEveryBytes = 8 * REGION;
            // One worker copies the regions in order, so the fill record follows the passes: with
            // two, one worker held on a low region while the other used up the passes left a record
            // at region 1 (a valid record, but not the one this test is about).
            g.copyWorkers = 1;
            ReplicatedVolume first = g.attach(1);
            for (int r = 0; r < 128; r++) {
                first.write(r * REGION, pattern(r, (int) REGION), false);
            }
            first.sweepBitmap();
            first.sweepBitmap(); // every leg in sync: every bit clears
            assertThat(first.bitmap().dirtyCount()).isZero();
            UUID added = UUID.randomUUID();
            List<UUID> legs = List.of(g.legIds.get(0), g.legIds.get(1), added);
            g.attached.getFirst().reconfigure(g.spec(1, legs));
            await().until(() -> pause.blocked.get() == 1); // about 60 regions copied, then held
            first.write(3 * REGION, pattern(3000, 4096), false); // below the fill record: stays dirty
            await().until(() -> header(g, added) instanceof LegHeader.Filling);
            byte[] expected = g.dataOn(0);
            g.attached.getFirst().close(); // the agent dies
            // Read once the agent is gone: the coordinator may have recorded again until then.
            LegHeader.Read header = header(g, added);
            assertThat(header).isInstanceOf(LegHeader.Filling.class);
            long copiedBelow = ((LegHeader.Filling) header).fill().copiedBelow();
            assertThat(copiedBelow).isBetween(8L, 60L);

            g.throttle = ResyncThrottle.unlimited();
            ReplicatedVolume second = g.attach(g.spec(2, legs));
            VolumeFixture.awaitAllInSync(second);
            for (int leg = 0; leg < 3; leg++) {
                assertThat(g.dataOn(leg))
                        .as("leg %d holds every acknowledged write", leg)
                        .isEqualTo(expected);
            }
            // The new leg gets the regions from its fill record on, and the one dirtied below it;
            // the other fresh leg gets that dirty region too.
            assertThat(second.progress().copiedBytes()).isEqualTo((128 - copiedBelow + 1 + 1) * REGION);
        } finally {
            g.close();
        }
    }

    @Test
    void aVolumeClosedWithEveryLegInSyncIsClosedCleanAndTheNextAttachCopiesNothing() throws Exception {
        ReplicatedVolume first = f.attach(1);
        for (int r = 0; r < 4; r++) {
            first.write(r * REGION, pattern(r, (int) REGION), false);
        }
        assertThat(first.bitmap().dirtyCount())
                .as("written just now: no sweep clears them yet")
                .isEqualTo(4);
        f.attached.getFirst().close(); // a detach, or the agent stopped

        ReplicatedVolume second = f.attach(2);
        VolumeFixture.awaitAllInSync(second);
        assertThat(second.bitmap().dirtyCount()).isZero();
        assertThat(second.progress().copiedBytes()).isZero();
        ByteBuffer back = ByteBuffer.allocate((int) REGION);
        second.read(3 * REGION, back);
        assertThat(back.array()).isEqualTo(pattern(3, (int) REGION).array());
    }

    @Test
    void attachWaitsForALegThatWasInSyncAndIsUnreachable() {
        ReplicatedVolume first = f.attach(1);
        assertThat(first.legStates()).containsOnly(LegSyncState.IN_SYNC);
        f.attached.getFirst().close();
        f.leg(0).down(true);

        ReplicatedVolume second = f.start(2);
        await().during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(5))
                .until(() -> !VolumeFixture.serving(second));
        assertThat(VolumeFixture.waitingFor(second))
                .contains(f.legIds.get(0).toString())
                .contains("unreachable");
        f.leg(0).down(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> VolumeFixture.serving(second));
    }

    @Test
    void aStaleLegAloneIsNeverServed() throws Exception {
        ReplicatedVolume first = f.attach(1);
        f.leg(2).down(true);
        await().until(() -> first.legStates().get(2) == LegSyncState.FAILED);
        first.write(0, pattern(7, 4096), false);
        f.attached.getFirst().close();
        f.leg(0).down(true);
        f.leg(1).down(true);
        f.leg(2).down(false);

        ReplicatedVolume second = f.start(2);
        await().during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(5))
                .until(() -> !VolumeFixture.serving(second));
        f.leg(0).down(false);
        await().during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(5))
                .until(() -> !VolumeFixture.serving(second));
        assertThat(VolumeFixture.waitingFor(second))
                .as("leg 1 was in sync with leg 0 at the newest event")
                .contains(f.legIds.get(1).toString());
        f.leg(1).down(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> VolumeFixture.serving(second));
        VolumeFixture.awaitAllInSync(second);
        assertThat(f.leg(2).snapshot(VolumeFixture.HEADER, 4096))
                .isEqualTo(pattern(7, 4096).array());
    }

    private static LegHeader.Read header(VolumeFixture g, UUID leg) {
        return LegHeader.decode(ByteBuffer.wrap(g.memory.extent(leg).snapshot(0, LegHeader.BYTES)));
    }
}
