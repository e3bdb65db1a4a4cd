package dev.cairn.agent.ec;

import static dev.cairn.agent.ec.EcVolumeTest.parityHolds;
import static dev.cairn.agent.ec.EcVolumeTest.random;
import static dev.cairn.agent.ec.EcVolumeTest.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.legs.header.PStoreHeader;
import dev.cairn.legs.io.LegTarget;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A member that fails while the volume is served and answers again (its node restarted, or came
 * back from a short outage) is caught up online over the regions written meanwhile only, and read
 * from again; one whose header is not its own, or that is being rebuilt elsewhere, is not.
 */
class EcRejoinTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static PStoreHeader header(EcFixture f, int member) {
        return ((PStoreHeader.Valid)
                        PStoreHeader.decode(ByteBuffer.wrap(f.member(0, member).snapshot(0, PStoreHeader.BYTES))))
                .header();
    }

    private static void awaitFailed(EcVolume v, int member) {
        await().atMost(WAIT).until(() -> v.legStates().get(member) == LegSyncState.FAILED);
    }

    @Test
    void aMemberBackWhileServedIsCaughtUpOverTheRegionsWrittenMeanwhileAndReadFromAgain() throws Exception {
        // Two PStores of two regions each; member 1 of PStore 0 misses a write to its first region.
        try (EcFixture f = EcFixture.small(4, 2, 2L * 4 * 4 * 4096)) {
            int size = (int) f.geometry.volumeBytes();
            byte[] image = f.filled(1);
            EcVolume v = f.attach(2);
            f.member(0, 1).down(true);
            awaitFailed(v, 1);
            byte[] patch = random(2, 6000);
            v.write(100, ByteBuffer.wrap(patch), false); // row 0: members 0 and 1
            System.arraycopy(patch, 0, image, 100, patch.length);
            assertThat(header(f, 0).failed().get(1))
                    .as("named failed before the write")
                    .isTrue();

            f.member(0, 1).down(false);
            await().atMost(WAIT).until(() -> v.legStates().stream().allMatch(s -> s == LegSyncState.IN_SYNC));
            assertThat(v.counters().membersRejoined()).isEqualTo(1);
            assertThat(v.counters().regionsRepaired())
                    .as("only the region written while it was gone")
                    .isEqualTo(1);
            assertThat(header(f, 0).failed().isEmpty())
                    .as("the superblock no longer names it")
                    .isTrue();
            assertThat(parityHolds(f)).isTrue();

            // Read from again: with two others lost, member 1's chunks (the patch among them) are needed.
            f.member(0, 0).down(true);
            f.member(0, 2).down(true);
            assertThat(read(v, 0, size)).isEqualTo(image);
        }
    }

    @Test
    void aMemberThatAnswersWithADamagedHeaderStaysFailed() throws Exception {
        try (EcFixture f = EcFixture.small(4, 2, 4L * 4 * 4096)) {
            int size = (int) f.geometry.volumeBytes();
            byte[] image = f.filled(1);
            f.writeBehindItsBack(0, 1, 0, random(3, PStoreHeader.BYTES));
            long reads = f.member(0, 1).reads();
            EcVolume v = f.attach(2);
            awaitFailed(v, 1); // failed at the attach for its header

            // Tried twice more (each try reads its header), and still failed: its bytes cannot be trusted.
            await().atMost(WAIT).until(() -> f.member(0, 1).reads() >= reads + 3);
            assertThat(v.legStates().get(1)).isEqualTo(LegSyncState.FAILED);
            assertThat(v.counters().membersRejoined()).isZero();
            f.member(0, 0).down(true);
            assertThat(read(v, 0, size)).isEqualTo(image);
        }
    }

    @Test
    void aMemberBeingRebuiltElsewhereIsNotTriedAgain() throws Exception {
        try (EcFixture f = EcFixture.small(4, 2, 4L * 4 * 4096)) {
            f.filled(1);
            EcVolume v = f.attach(2);
            f.member(0, 1).down(true);
            awaitFailed(v, 1);
            // The controller planned its rebuild: member 1 is kept, not wanted any more.
            EcSpec now = f.spec(2);
            List<List<LegTarget>> pstores = new ArrayList<>();
            now.pstores().forEach(members -> pstores.add(new ArrayList<>(members)));
            LegTarget old = pstores.getFirst().get(1);
            pstores.getFirst()
                    .set(
                            1,
                            new LegTarget(
                                    1,
                                    old.extentId(),
                                    old.nodeId(),
                                    old.address(),
                                    old.exportName(),
                                    old.extentSizeBytes(),
                                    true));
            v.reconfigure(new EcSpec(now.volumeId(), now.name(), now.generation(), now.geometry(), pstores));
            f.member(0, 1).down(false);
            long reads = f.member(0, 1).reads();

            // Another member fails and comes back: it joins again; member 1 is left alone.
            f.member(0, 4).down(true);
            awaitFailed(v, 4);
            f.member(0, 4).down(false);
            await().atMost(WAIT).until(() -> v.legStates().get(4) == LegSyncState.IN_SYNC);
            assertThat(v.legStates().get(1)).isEqualTo(LegSyncState.FAILED);
            assertThat(f.member(0, 1).reads()).isEqualTo(reads);
            assertThat(v.counters().membersRejoined()).isEqualTo(1);
        }
    }
}
