package dev.cairn.agent.replica;

import static dev.cairn.agent.replica.VolumeFixture.REGION;
import static dev.cairn.agent.replica.VolumeFixture.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.control.api.AgentApi.LegSyncState;
import java.nio.ByteBuffer;
import java.time.Duration;
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
        f.attached.getFirst().close(); // the agent dies: nothing is tidied up
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
    void attachWaitsForALegThatWasInSyncAndIsUnreachable() {
        ReplicatedVolume first = f.attach(1);
        assertThat(first.legStates()).containsOnly(LegSyncState.IN_SYNC);
        f.attached.getFirst().close();
        f.leg(0).down(true);

        AttachedVolume second = f.start(2);
        await().during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(5))
                .until(() -> second.serving().isEmpty());
        assertThat(second.waitingFor()).contains(f.legIds.get(0).toString()).contains("unreachable");
        f.leg(0).down(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> second.serving().isPresent());
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

        AttachedVolume second = f.start(2);
        await().during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(5))
                .until(() -> second.serving().isEmpty());
        f.leg(0).down(false);
        await().during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(5))
                .until(() -> second.serving().isEmpty());
        assertThat(second.waitingFor())
                .as("leg 1 was in sync with leg 0 at the newest event")
                .contains(f.legIds.get(1).toString());
        f.leg(1).down(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> second.serving().isPresent());
        VolumeFixture.awaitAllInSync(second.serving().orElseThrow());
        assertThat(f.leg(2).snapshot(VolumeFixture.HEADER, 4096))
                .isEqualTo(pattern(7, 4096).array());
    }
}
