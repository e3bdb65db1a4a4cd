package dev.cairn.agent.ec;

import static dev.cairn.agent.ec.EcReprotectTest.header;
import static dev.cairn.agent.ec.EcReprotectTest.markMoving;
import static dev.cairn.agent.ec.EcReprotectTest.spec;
import static dev.cairn.agent.ec.EcReprotectTest.write;
import static dev.cairn.agent.ec.EcVolumeTest.parityHolds;
import static dev.cairn.agent.ec.EcVolumeTest.random;
import static dev.cairn.agent.ec.EcVolumeTest.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.legs.header.PStoreHeader;
import dev.cairn.legs.io.MemoryLegs;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/**
 * A member moving to another node (a drain, the rebalance) as the agent switches it to the BStore
 * its node filled: the old BStore stays a member, read and written, until the new one holds every
 * write; the PStore never has a BStore less ({@link MemberMoves}).
 */
class EcMoveTest {

    /**
     * A volume written whole ({@code image}); member 1 of PStore 0 marked moving and its new BStore
     * ({@code fresh}) filled as the node fills it; a write since (in {@code image}, not in {@code
     * fresh}); then the view naming {@code fresh}, its switch started and held at row 1, whose lock
     * this thread holds (row 0 copied; the caller unlocks {@code row1}).
     */
    private static final class Switching {
        final EcVolume v;
        final UUID old;
        final UUID fresh;
        final byte[] image;
        final ReentrantLock row1;

        private Switching(EcVolume v, UUID old, UUID fresh, byte[] image, ReentrantLock row1) {
            this.v = v;
            this.old = old;
            this.fresh = fresh;
            this.image = image;
            this.row1 = row1;
        }

        static Switching held(EcFixture f, long seed) throws Exception {
            byte[] image = random(seed, (int) f.geometry.volumeBytes());
            EcVolume v = f.attach(1);
            v.write(0, ByteBuffer.wrap(image), false);
            UUID old = f.extents.getFirst().get(1);
            markMoving(f, v);
            UUID fresh = UUID.randomUUID();
            long bstoreBytes = f.geometry.bstoreBytes(0);
            MemoryLegs.Extent next = f.memory.extent(fresh, bstoreBytes);
            // As its node fills it: member 1's bytes, the newest superblock naming the new one stale.
            byte[] filled = f.member(0, 1).snapshot(0, (int) bstoreBytes);
            byte[] own = header(f.member(0, 0)).asStaleMember(1).encode().array();
            System.arraycopy(own, 0, filled, 0, PStoreHeader.BYTES);
            write(f, fresh, 0, filled);
            // After the fill, in rows 0 and 1: the new BStore misses it.
            byte[] during = random(seed + 1, 8000);
            v.write(12_000, ByteBuffer.wrap(during), false);
            System.arraycopy(during, 0, image, 12_000, during.length);

            ReentrantLock row1 = v.pstores().getFirst().lockOf(1);
            row1.lock();
            long written = next.writtenBytes();
            v.reconfigure(spec(f, 1, fresh, false, false));
            await().atMost(Duration.ofSeconds(10)).until(() -> next.writtenBytes() > written);
            return new Switching(v, old, fresh, image, row1);
        }
    }

    private static UUID member(EcVolume v, int index) {
        return v.pstores().getFirst().members().get(index).target.extentId();
    }

    @Test
    void theOldBStoreIsReadAndWrittenUntilTheNewOneHoldsEveryWriteThenItIsLeft() throws Exception {
        try (EcFixture f = EcFixture.small(4, 2, 2L * 4 * 4 * 4096)) {
            int size = (int) f.geometry.volumeBytes();
            Switching sw = Switching.held(f, 11);
            EcVolume v = sw.v;
            UUID old = sw.old;
            UUID fresh = sw.fresh;
            byte[] image = sw.image;
            MemoryLegs.Extent next = f.memory.extent(fresh);
            try {
                byte[] mirrored = random(13, 20_000); // rows 2 and 3 (and past): written to both
                v.write(2L * f.geometry.rowBytes(), ByteBuffer.wrap(mirrored), false);
                System.arraycopy(mirrored, 0, image, (int) (2L * f.geometry.rowBytes()), mirrored.length);
                long row2 = f.geometry.offsetOnBStore(2, 0);
                assertThat(next.snapshot(row2, f.geometry.chunkBytes()))
                        .as("written to the new BStore too, though the copy has not reached row 2")
                        .isEqualTo(f.memory.extent(old).snapshot(row2, f.geometry.chunkBytes()));
                assertThat(member(v, 1)).as("still the member").isEqualTo(old);
                assertThat(v.legStates()).as("no BStore less").containsOnly(LegSyncState.IN_SYNC);
                AgentApi.VolumeReport report = v.report();
                assertThat(report.legs())
                        .as("the controller is told the old BStore is still in use")
                        .containsExactly(
                                new AgentApi.LegReport(old.toString(), LegSyncState.IN_SYNC, Optional.empty()));

                // Two other members lost meanwhile: member 1's old BStore is among the four read.
                f.member(0, 0).down(true);
                f.member(0, 2).down(true);
                assertThat(read(v, 0, size)).isEqualTo(image);
            } finally {
                sw.row1.unlock();
            }

            await().atMost(Duration.ofSeconds(10)).until(() -> member(v, 1).equals(fresh));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !header(f.memory.extent(fresh)).failed().get(PStoreHeader.movingBit(1)));
            assertThat(f.memory.extent(old).openConnections())
                    .as("the old BStore is left")
                    .isZero();
            assertThat(v.report().legs())
                    .as("named no more (members 0 and 2 are, failed)")
                    .extracting(AgentApi.LegReport::extentId)
                    .doesNotContain(old.toString(), fresh.toString());
            assertThat(read(v, 0, size))
                    .as("member 1's chunks from the new BStore, with four of six")
                    .isEqualTo(image);
            f.member(0, 0).down(false);
            f.member(0, 2).down(false);
            f.extents.getFirst().set(1, fresh);
            assertThat(parityHolds(f))
                    .as("nothing was written since the two were lost")
                    .isTrue();
        }
    }

    /**
     * The agent dies mid-switch, after another member failed (a superblock naming it was written
     * then, not to the new BStore): attached again with the new BStore in the layout, its own
     * superblock still names it stale, so it is caught up over the dirty regions (row 1 was never
     * copied to it), never trusted.
     */
    @Test
    void anAgentDyingMidSwitchLeavesTheNewBStoreToBeCaughtUpByTheNextAttach() throws Exception {
        try (EcFixture f = EcFixture.small(4, 2, 2L * 4 * 4 * 4096)) {
            int size = (int) f.geometry.volumeBytes();
            Switching sw = Switching.held(f, 17);
            try {
                f.member(0, 5).down(true);
                byte[] after = random(19, 4096); // row 2: the superblock naming member 5 failed is written
                sw.v.write(2L * f.geometry.rowBytes(), ByteBuffer.wrap(after), false);
                System.arraycopy(after, 0, sw.image, (int) (2L * f.geometry.rowBytes()), after.length);
                assertThat(header(f.member(0, 0)).failed().get(5)).isTrue();
                assertThat(header(f.memory.extent(sw.fresh)).failed().get(1))
                        .as("the new BStore's own superblock still names it stale")
                        .isTrue();
                sw.v.close(); // the agent dies
            } finally {
                sw.row1.unlock();
            }

            f.extents.getFirst().set(1, sw.fresh);
            EcVolume next = f.attach(2);
            assertThat(read(next, 0, size))
                    .as("member 1's rows rebuilt on the new BStore from the others, not read as they were")
                    .isEqualTo(sw.image);
            f.member(0, 0).down(true);
            assertThat(read(next, 0, size))
                    .as("and read from it, with member 0 and 5 lost")
                    .isEqualTo(sw.image);
        }
    }

    /** The old BStore fails while the switch copies from it: the new one is caught up from the others. */
    @Test
    void theOldBStoreFailingMidSwitchFallsBackToACatchUpFromTheOthers() throws Exception {
        try (EcFixture f = EcFixture.small(4, 2, 2L * 4 * 4 * 4096)) {
            int size = (int) f.geometry.volumeBytes();
            Switching sw = Switching.held(f, 14);
            EcVolume v = sw.v;
            UUID fresh = sw.fresh;
            try {
                f.memory.extent(sw.old).failReads(true);
            } finally {
                sw.row1.unlock();
            }

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> member(v, 1).equals(fresh)
                            && v.legStates().stream().allMatch(s -> s == LegSyncState.IN_SYNC));
            f.extents.getFirst().set(1, fresh);
            assertThat(parityHolds(f)).isTrue();
            f.member(0, 0).down(true);
            f.member(0, 2).down(true);
            assertThat(read(v, 0, size))
                    .as("member 1's chunks from the new BStore, caught up from the others")
                    .isEqualTo(sw.image);
        }
    }
}
