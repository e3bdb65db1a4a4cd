package dev.cairn.agent.ec;

import static dev.cairn.agent.ec.EcVolumeTest.parityHolds;
import static dev.cairn.agent.ec.EcVolumeTest.random;
import static dev.cairn.agent.ec.EcVolumeTest.read;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.agent.ServedVolume;
import dev.cairn.control.api.AgentApi.LegSyncState;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** What the members' headers carry from one attachment to the next. */
class EcAttachTest {

    @Test
    void aMemberThatMissedWritesIsCaughtUpFromTheDirtyRegionsOnTheNextAttach() throws Exception {
        try (EcFixture f = EcFixture.small(3, 2, 2L * 4 * 3 * 4096)) {
            int size = (int) f.geometry.volumeBytes();
            byte[] image = random(1, size);
            EcVolume first = f.attach(1);
            first.write(0, ByteBuffer.wrap(image), false);
            first.close();
            assertThat(first.dirtyRegions())
                    .as("a clean detach clears every bit")
                    .isZero();

            EcVolume second = f.attach(2);
            f.member(0, 1).down(true);
            byte[] patch = random(2, 3000);
            second.write(5000, ByteBuffer.wrap(patch), false); // row 0 of PStore 0: member 1 misses it
            System.arraycopy(patch, 0, image, 5000, patch.length);
            second.close();
            assertThat(second.dirtyRegions())
                    .as("bits stay while a member is failed")
                    .isEqualTo(1);

            f.member(0, 1).down(false);
            EcVolume third = f.attach(3);
            assertThat(third.phase()).isInstanceOf(ServedVolume.Serving.class);
            assertThat(third.legStates()).containsOnly(LegSyncState.IN_SYNC);
            assertThat(parityHolds(f)).isTrue();
            // Member 1 now holds the patch: lose two others and it still reads back.
            f.member(0, 0).down(true);
            f.member(0, 3).down(true);
            assertThat(read(third, 0, size)).isEqualTo(image);
        }
    }

    /**
     * The agent learns of its attachment before some nodes applied the new generation: it asks
     * them again rather than serving without them (every write would then miss them from the
     * start, and the volume would run with less than its margin).
     */
    @Test
    void aNodeThatHasNotAppliedTheAttachYetIsAskedAgainNotFailed() throws Exception {
        try (EcFixture f = EcFixture.small(4, 2, 4L * 4 * 4096)) {
            f.member(0, 3).behindFor(3);
            f.member(0, 4).behindFor(2);
            EcVolume v = f.attach(1);
            assertThat(v.phase()).isInstanceOf(ServedVolume.Serving.class);
            assertThat(v.legStates()).containsOnly(LegSyncState.IN_SYNC);
        }
    }

    @Test
    void aMemberThatMissedWritesNeverStandsInForTheCurrentOnes() throws Exception {
        try (EcFixture f = EcFixture.small(2, 1, 4L * 2 * 4096)) {
            EcVolume first = f.attach(1);
            first.write(0, ByteBuffer.wrap(random(1, 8192)), false);
            f.member(0, 2).down(true);
            first.write(0, ByteBuffer.wrap(random(2, 8192)), false); // parity member 2 misses it
            first.close();
            f.member(0, 2).down(false);
            f.member(0, 0).down(true);
            EcVolume second = f.attach(2);
            assertThat(second.phase().toString())
                    .isEqualTo("ASSEMBLING (PStore 0 has 1 of 3 BStores holding every write"
                            + " (1 more answer but missed writes), 2 needed)");
            // With member 0 back, member 2 is caught up and everything reads as last written.
            second.close();
            f.member(0, 0).down(false);
            EcVolume third = f.attach(3);
            assertThat(read(third, 0, 8192)).isEqualTo(random(2, 8192));
            assertThat(parityHolds(f)).isTrue();
        }
    }

    /**
     * The write hole: a client dies after a partial write reached a data member but not the parity.
     * The region's bit was set before the write, so the next attach recomputes the row's parity,
     * and a member lost later is rebuilt right.
     */
    @Test
    void aRowTornByAClientThatDiedIsRepairedBeforeItIsServed() throws Exception {
        try (EcFixture f = EcFixture.small(3, 2, 4L * 3 * 4096)) {
            int size = (int) f.geometry.volumeBytes();
            byte[] image = f.filled(1);

            EcVolume dying = f.attach(2);
            byte[] partial = random(2, 1000);
            dying.write(100, ByteBuffer.wrap(partial), false); // sets row 0's bit, writes member 0 and parity
            // ...and then a second partial write that reached member 0 only: the torn row.
            byte[] torn = random(3, 1000);
            f.writeBehindItsBack(0, 0, f.geometry.offsetOnBStore(0, 2000), torn);
            System.arraycopy(partial, 0, image, 100, partial.length);
            System.arraycopy(torn, 0, image, 2000, torn.length);
            assertThat(parityHolds(f)).as("the row is torn").isFalse();
            // The agent died: no detach. Another attaches the volume.

            EcVolume next = f.attach(3);
            assertThat(parityHolds(f)).as("repaired before served").isTrue();
            assertThat(next.dirtyRegions()).isEqualTo(1);
            assertThat(next.counters().regionsRepaired()).isEqualTo(1);
            f.member(0, 1).down(true);
            f.member(0, 2).down(true);
            assertThat(read(next, 0, size)).isEqualTo(image);
        }
    }

    @Test
    void aDamagedOrForeignHeaderFailsThatMemberOnly() throws Exception {
        try (EcFixture f = EcFixture.small(2, 1, 4L * 2 * 4096)) {
            EcVolume first = f.attach(1);
            first.write(0, ByteBuffer.wrap(random(1, 8192)), false);
            first.close();
            f.writeBehindItsBack(0, 1, 100, random(9, 10));
            EcVolume second = f.attach(2);
            assertThat(second.report().legs()).hasSize(1);
            assertThat(second.report().legs().getFirst().error())
                    .hasValue("its header is damaged: BStore header checksum mismatch");
            assertThat(read(second, 0, 8192)).isEqualTo(random(1, 8192));
        }
    }
}
