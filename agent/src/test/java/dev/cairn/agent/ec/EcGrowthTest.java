package dev.cairn.agent.ec;

import static dev.cairn.agent.ec.EcVolumeTest.parityHolds;
import static dev.cairn.agent.ec.EcVolumeTest.random;
import static dev.cairn.agent.ec.EcVolumeTest.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.agent.ServedVolume;
import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.legs.header.PStoreHeader;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * An erasure-coded volume grown while it is served, at the same attachment: its last PStore gains
 * rows (zeroes on every member, parity and all), the PStores the new size adds are assembled and
 * join, and the data where it was stays; a new attachment serves the grown volume as it was left.
 */
class EcGrowthTest {
    /** 4+2, PStores of 4 rows of 16 KiB: 1.5 PStores, then 3.25. */
    private static final long PSTORE = 4L * 4 * 4096;

    private static final long SMALL = PSTORE + PSTORE / 2;
    private static final long GROWN = 3 * PSTORE + PSTORE / 4;

    private static StripeGeometry geometry(long volumeBytes) {
        return EcFixture.small(4, 2, volumeBytes).geometry;
    }

    private static PStoreHeader header(EcFixture f, int pstore, int member) {
        return ((PStoreHeader.Valid) PStoreHeader.decode(
                        ByteBuffer.wrap(f.member(pstore, member).snapshot(0, PStoreHeader.BYTES))))
                .header();
    }

    @Test
    void aVolumeGrownWhileServedKeepsItsDataAndServesTheNewSizeAtTheSameGeneration() throws Exception {
        StripeGeometry grown = geometry(GROWN);
        try (EcFixture f = new EcFixture(geometry(SMALL), grown)) {
            EcVolume v = f.attach(1);
            byte[] before = random(1, (int) SMALL);
            v.write(0, ByteBuffer.wrap(before), false);
            assertThat(header(f, 1, 0).rows()).isEqualTo(2);

            v.reconfigure(f.grownSpec(1, grown));
            await().atMost(Duration.ofSeconds(10)).until(() -> v.sizeBytes() == GROWN);
            assertThat(v.generation()).isEqualTo(1);
            assertThat(v.legStates()).hasSize(4 * 6).containsOnly(LegSyncState.IN_SYNC);
            assertThat(read(v, 0, (int) SMALL)).isEqualTo(before);
            assertThat(read(v, SMALL, (int) (GROWN - SMALL)))
                    .as("the new bytes read as zeroes")
                    .isEqualTo(new byte[(int) (GROWN - SMALL)]);
            for (int i = 0; i < 6; i++) {
                assertThat(header(f, 1, i).rows())
                        .as("the last PStore's superblocks name its new rows")
                        .isEqualTo(4);
                assertThat(header(f, 3, i).rows()).isEqualTo(1);
            }
            byte[] after = random(2, (int) (GROWN - SMALL + 4096));
            v.write(SMALL - 4096, ByteBuffer.wrap(after), false); // across the old end, into every new PStore
            assertThat(parityHolds(f, grown)).isTrue();
            f.member(1, 0).down(true); // a data member of the grown PStore: its new rows rebuilt from parity
            f.member(3, 1).down(true);
            byte[] whole = new byte[(int) GROWN];
            System.arraycopy(before, 0, whole, 0, (int) SMALL - 4096);
            System.arraycopy(after, 0, whole, (int) SMALL - 4096, after.length);
            assertThat(read(v, 0, (int) GROWN)).isEqualTo(whole);
            assertThatThrownBy(() -> v.reconfigure(f.spec(1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("shrank");
            v.close();
            f.member(1, 0).down(false);
            f.member(3, 1).down(false);

            EcVolume again = f.attach(f.grownSpec(2, grown));
            assertThat(again.phase()).isInstanceOf(ServedVolume.Serving.class);
            assertThat(read(again, 0, (int) GROWN)).isEqualTo(whole);
        }
    }

    @Test
    void aGrowthWhoseNewPStoreCannotBeAssembledWaitsAndTheVolumeServesAsItWas() throws Exception {
        StripeGeometry grown = geometry(GROWN);
        try (EcFixture f = new EcFixture(geometry(SMALL), grown)) {
            EcVolume v = f.attach(1);
            byte[] before = random(3, (int) SMALL);
            v.write(0, ByteBuffer.wrap(before), false);
            EcSpec bigger = f.grownSpec(1, grown);
            for (int i = 0; i < 3; i++) {
                f.member(2, i).down(true); // three of six: PStore 2 cannot be served
            }
            v.reconfigure(bigger);
            await().atMost(Duration.ofSeconds(10)).until(() -> f.member(2, 3).reads() > 0); // tried
            assertThat(v.sizeBytes()).isEqualTo(SMALL);
            assertThat(read(v, 0, (int) SMALL)).isEqualTo(before);
            v.write(0, ByteBuffer.wrap(random(4, 4096)), false);
            for (int i = 0; i < 3; i++) {
                f.member(2, i).down(false);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> v.sizeBytes() == GROWN);
            assertThat(v.legStates()).containsOnly(LegSyncState.IN_SYNC);
            assertThat(read(v, 4096, (int) SMALL - 4096)).isEqualTo(Arrays.copyOfRange(before, 4096, (int) SMALL));
        }
    }
}
