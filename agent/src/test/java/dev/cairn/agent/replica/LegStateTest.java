package dev.cairn.agent.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.agent.ServedVolume;
import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.legs.io.LegIo;
import dev.cairn.legs.io.MemoryLegs;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The leg and volume lifecycles: their states carry what belongs to them; illegal moves fail loudly. */
class LegStateTest {
    final MemoryLegs memory = new MemoryLegs();
    final Leg leg = new Leg(MemoryLegs.target(0, UUID.randomUUID(), 4096));

    private LegIo connection() throws Exception {
        return memory.connect(leg.target());
    }

    @Test
    void aLegStartsConnectingWithoutConnectionOrError() {
        assertThat(leg.state()).isEqualTo(LegSyncState.CONNECTING);
        assertThat(leg.io()).isEmpty();
        assertThat(leg.error()).isEmpty();
    }

    @Test
    void aSyncingLegKeepsShowingWhyItLastFailedUntilItIsInSync() throws Exception {
        leg.moveTo(new LegState.Failed("connection lost"));
        LegIo io = connection();
        leg.moveTo(new LegState.Syncing(io, leg.error()));
        assertThat(leg.io()).containsSame(io);
        assertThat(leg.error()).contains("connection lost");
        leg.moveTo(new LegState.InSync(io));
        assertThat(leg.state()).isEqualTo(LegSyncState.IN_SYNC);
        assertThat(leg.error()).isEmpty();
        assertThat(leg.moveTo(new LegState.Failed("timeout")).io()).containsSame(io);
        assertThat(leg.io()).isEmpty();
    }

    @Test
    void anInSyncLegNeverGoesBackToSyncingOrInSyncWithoutFailingFirst() throws Exception {
        LegIo io = connection();
        leg.moveTo(new LegState.InSync(io));
        assertThatThrownBy(() -> leg.moveTo(new LegState.Syncing(io, Optional.empty())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("from IN_SYNC to SYNCING")
                .hasMessageContaining(leg.toString());
        assertThatThrownBy(() -> leg.moveTo(new LegState.InSync(io)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("from IN_SYNC to IN_SYNC");
        assertThat(leg.state()).as("an illegal move changes nothing").isEqualTo(LegSyncState.IN_SYNC);
        leg.moveTo(new LegState.Connecting());
        assertThat(leg.io()).isEmpty();
    }

    @Test
    void statesRefuseWhatDoesNotBelongToThem() {
        assertThatThrownBy(() -> new LegState.Failed(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LegState.InSync(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new LegState.Syncing(null, Optional.empty())).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aVolumeAssemblesThenServesThenClosesAndNeverComesBack() {
        ServedVolume.Phase assembling = new ServedVolume.Assembling("legs");
        ServedVolume.Phase serving = new ServedVolume.Serving();
        ServedVolume.Phase closed = new ServedVolume.Closed();
        ServedVolume.Phase.check("v", assembling, new ServedVolume.Assembling("other legs"));
        ServedVolume.Phase.check("v", assembling, serving);
        ServedVolume.Phase.check("v", assembling, closed);
        ServedVolume.Phase.check("v", serving, closed);
        assertThatThrownBy(() -> ServedVolume.Phase.check("volume v", serving, assembling))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("volume v: illegal transition from SERVING to ASSEMBLING (legs)");
        assertThatThrownBy(() -> ServedVolume.Phase.check("v", closed, serving))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ServedVolume.Phase.check("v", closed, closed))
                .isInstanceOf(IllegalStateException.class);
    }
}
