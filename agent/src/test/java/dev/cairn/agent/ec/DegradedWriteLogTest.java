package dev.cairn.agent.ec;

import static dev.cairn.agent.ec.EcVolumeTest.parityHolds;
import static dev.cairn.agent.ec.EcVolumeTest.random;
import static dev.cairn.agent.ec.EcVolumeTest.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The write hole while a data member is missing: a client dies in the middle of a write to a row
 * whose missing chunk exists only in the parity the write was changing. Without the log, the next
 * attach rebuilds that chunk from torn data and parity, and a member lost later returns bytes no
 * one ever wrote.
 */
class DegradedWriteLogTest {

    /**
     * Attaches a 3+2 volume (filled) with data member 1 missing (lost before the
     * attach, or while served just before the write), and starts {@code write} on it with the
     * parity members' writes held (never answered): the agent dies once data member 0 holds {@code
     * expectOnMember0} at {@code at} of its chunk of row 0.
     */
    private static void dieMidWrite(
            EcFixture f, long offset, byte[] write, int at, byte[] expectOnMember0, boolean lostBefore)
            throws Exception {
        f.member(0, 1).down(lostBefore);
        f.timeout = Duration.ofMinutes(1); // the dying agent waits on its held writes, failing no member
        EcVolume dying = f.attach(2);
        f.member(0, 1).down(true);
        await().until(() -> dying.report().legs().size() == 1); // served without member 1 only
        for (int parity = 3; parity < 5; parity++) {
            var _ = f.member(0, parity).holdWritesOfOpenConnections(f.geometry.headerBytes());
        }
        Thread.ofVirtual().start(() -> {
            try {
                dying.write(offset, ByteBuffer.wrap(write), false);
            } catch (IOException e) {
                // the agent is dead: nobody hears of it
            }
        });
        long on0 = f.geometry.offsetOnBStore(0, at);
        await().until(() -> Arrays.equals(f.member(0, 0).snapshot(on0, expectOnMember0.length), expectOnMember0));
        assertThat(dying.counters().degradedWritesLogged()).isEqualTo(1);
        assertThat(parityHolds(f)).as("the row is torn").isFalse();
        f.timeout = Duration.ofSeconds(5);
    }

    /**
     * The next attach (member 1 still missing) repairs the dying agent's row from the log, and the
     * volume then reads {@code image} through a second loss.
     */
    private static void repairedFromTheLogThroughASecondLoss(EcFixture f, byte[] image) throws Exception {
        EcVolume next = f.attach(3);
        assertThat(next.counters().rowsRepairedFromLog()).isEqualTo(1);
        f.member(0, 2).down(true);
        assertThat(read(next, 0, (int) f.geometry.volumeBytes())).isEqualTo(image);
    }

    /**
     * Member 1 lost before the attach, or while served just before the write: then the agent dies
     * before any superblock named it failed (that is written before the write would be
     * acknowledged), and the next attach learns it is missing only because it does not answer.
     */
    @ParameterizedTest(name = "member 1 lost before the attach: {0}")
    @ValueSource(booleans = {true, false})
    void aClientDyingInAPartialWriteWhileADataMemberIsMissingLeavesNoChunkWrong(boolean lostBefore) throws Exception {
        try (EcFixture f = EcFixture.small(3, 2, 4L * 3 * 4096)) {
            byte[] image = f.filled(1);
            byte[] partial = random(2, 1000);
            dieMidWrite(f, 100, partial, 100, partial, lostBefore);
            // Member 0 took the write, the parity did not: member 1's bytes 100..1100 of row 0 are
            // only in the log now. (The write was never acknowledged: its bytes may read either way.)
            System.arraycopy(partial, 0, image, 100, partial.length);
            repairedFromTheLogThroughASecondLoss(f, image);
        }
    }

    @Test
    void aClientDyingInAWholeRowWriteWhileADataMemberIsMissingLeavesNoChunkWrong() throws Exception {
        try (EcFixture f = EcFixture.small(3, 2, 4L * 3 * 4096)) {
            int row = (int) f.geometry.rowBytes();
            byte[] image = f.filled(1);
            byte[] rows = random(3, 2 * row);
            // Two whole rows: row 0's data reaches members 0 and 2, its parity nothing, and row 1
            // waits behind it.
            dieMidWrite(f, 0, rows, 0, Arrays.copyOf(rows, 4096), true);
            System.arraycopy(rows, 0, image, 0, row);
            repairedFromTheLogThroughASecondLoss(f, image);
        }
    }

    @Test
    void entriesOfAnEarlierAttachmentAreNotTrusted() throws Exception {
        try (EcFixture f = EcFixture.small(3, 2, 4L * 3 * 4096)) {
            int size = (int) f.geometry.volumeBytes();
            byte[] image = f.filled(1);
            f.member(0, 1).down(true);
            EcVolume degraded = f.attach(2);
            byte[] partial = random(2, 1000);
            degraded.write(100, ByteBuffer.wrap(partial), false); // logged, and done
            System.arraycopy(partial, 0, image, 100, partial.length);
            assertThat(degraded.counters().degradedWritesLogged()).isEqualTo(1);
            degraded.close();

            // Member 1 is back and caught up at the next attach; row 0 is written again in full (no
            // log: nothing is missing).
            f.member(0, 1).down(false);
            EcVolume whole = f.attach(3);
            byte[] again = random(4, 4096 * 3);
            whole.write(0, ByteBuffer.wrap(again), false);
            System.arraycopy(again, 0, image, 0, again.length);
            assertThat(whole.counters().degradedWritesLogged()).isZero();
            // Member 1 is lost again while served: the next write fails it, the superblock names it.
            f.member(0, 1).down(true);
            byte[] later = random(5, 4096);
            whole.write(2 * 3 * 4096 + 4096, ByteBuffer.wrap(later), false);
            System.arraycopy(later, 0, image, 2 * 3 * 4096 + 4096, later.length);

            // The agent died. The entry of attachment 2 still in row 0's slot names member 1
            // missing, but its bytes are old: the repair rebuilds member 1 there from the others,
            // and takes from the log only row 2's entry (that write was logged: member 1's
            // connection dropped at once).
            EcVolume next = f.attach(4);
            assertThat(whole.counters().degradedWritesLogged()).isEqualTo(1);
            assertThat(next.counters().rowsRepairedFromLog()).isEqualTo(1);
            f.member(0, 2).down(true);
            assertThat(read(next, 0, size)).isEqualTo(image);
        }
    }
}
