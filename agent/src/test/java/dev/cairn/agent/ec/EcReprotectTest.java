package dev.cairn.agent.ec;

import static dev.cairn.agent.ec.EcVolumeTest.parityHolds;
import static dev.cairn.agent.ec.EcVolumeTest.random;
import static dev.cairn.agent.ec.EcVolumeTest.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.agent.ServedVolume;
import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.legs.header.PStoreHeader;
import dev.cairn.legs.io.LegIo;
import dev.cairn.legs.io.LegTarget;
import dev.cairn.legs.io.MemoryLegs;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A reprotect as the agent sees it while it serves the volume: a member marked kept (being rebuilt
 * elsewhere) is left at once and the superblock names it failed; its rebuilt replacement (what the
 * node made of it, which misses the writes since) joins, is caught up online over the dirty
 * regions, and is then read from.
 */
class EcReprotectTest {

    /** The fixture's spec with member {@code member} of PStore 0 kept or replaced by {@code extent}. */
    private static EcSpec spec(EcFixture f, int member, UUID extent, boolean kept) {
        return spec(f, member, extent, kept, false);
    }

    /** As above, the member moving (or not). */
    static EcSpec spec(EcFixture f, int member, UUID extent, boolean kept, boolean moving) {
        EcSpec now = f.spec(1);
        List<List<LegTarget>> pstores = new ArrayList<>();
        for (List<LegTarget> members : now.pstores()) {
            pstores.add(new ArrayList<>(members));
        }
        LegTarget old = pstores.getFirst().get(member);
        pstores.getFirst()
                .set(
                        member,
                        new LegTarget(
                                member,
                                extent,
                                old.nodeId(),
                                old.address(),
                                old.exportName(),
                                old.extentSizeBytes(),
                                kept,
                                moving));
        return new EcSpec(now.volumeId(), now.name(), now.generation(), now.geometry(), pstores);
    }

    /** Marks member 1 of PStore 0 moving and waits until the superblock names it so. */
    static void markMoving(EcFixture f, EcVolume v) {
        v.reconfigure(spec(f, 1, f.extents.getFirst().get(1), false, true));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> header(f.member(0, 0)).failed().get(PStoreHeader.movingBit(1)));
    }

    static PStoreHeader header(MemoryLegs.Extent member) {
        return ((PStoreHeader.Valid) PStoreHeader.decode(ByteBuffer.wrap(member.snapshot(0, PStoreHeader.BYTES))))
                .header();
    }

    static void write(EcFixture f, UUID extent, long offset, byte[] bytes) throws Exception {
        try (LegIo direct = f.memory.connect(MemoryLegs.target(0, extent, f.geometry.bstoreBytes(0)))) {
            LegIo.await(direct.write(offset, ByteBuffer.wrap(bytes), true), Duration.ofSeconds(5));
        }
    }

    /**
     * A member whose node died is failed as soon as its connection drops; with no write since, no
     * superblock names it yet. Marked kept (its rebuild planned), the superblock naming it is
     * written then: the node rebuilding it waits for that.
     */
    @Test
    void aMemberAlreadyFailedWhenItsRebuildIsPlannedIsNamedInTheSuperblock() throws Exception {
        try (EcFixture f = EcFixture.small(4, 2, 2L * 4 * 4 * 4096)) {
            EcVolume v = f.attach(1);
            v.write(0, ByteBuffer.wrap(random(1, (int) f.geometry.volumeBytes())), false);
            f.member(0, 1).down(true);
            await().atMost(Duration.ofSeconds(10)).until(() -> v.legStates().contains(LegSyncState.FAILED));
            assertThat(header(f.member(0, 0)).failed().get(1))
                    .as("no write since")
                    .isFalse();

            v.reconfigure(spec(f, 1, f.extents.getFirst().get(1), true));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> header(f.member(0, 0)).failed().get(1));
        }
    }

    @Test
    void aMemberRebuiltElsewhereIsLeftThenItsReplacementIsCaughtUpOnlineAndReadFrom() throws Exception {
        try (EcFixture f = EcFixture.small(4, 2, 2L * 4 * 4 * 4096)) {
            int size = (int) f.geometry.volumeBytes();
            byte[] image = random(1, size);
            EcVolume v = f.attach(1);
            v.write(0, ByteBuffer.wrap(image), false);
            UUID old = f.extents.getFirst().get(1);

            // Being rebuilt: left, and named failed before anything else.
            v.reconfigure(spec(f, 1, old, true));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> header(f.member(0, 0)).failed().get(1));
            assertThat(v.legStates()).contains(LegSyncState.FAILED);
            long writesBefore = f.member(0, 1).writtenBytes();

            // The node's rebuild: member 1 as it was, with the newest superblock as its own.
            UUID fresh = UUID.randomUUID();
            long bstoreBytes = f.geometry.bstoreBytes(0);
            f.memory.extent(fresh, bstoreBytes);
            write(f, fresh, 0, f.member(0, 1).snapshot(0, (int) bstoreBytes));
            byte[] newest = f.member(0, 0).snapshot(0, PStoreHeader.BYTES + 4096);
            System.arraycopy(
                    header(f.member(0, 0)).asStaleMember(1).encode().array(), 0, newest, 0, PStoreHeader.BYTES);
            write(f, fresh, 0, newest);

            // Writes go on around it: some of member 1's chunk and the rest of the row.
            byte[] patch = random(2, 6000);
            v.write(3000, ByteBuffer.wrap(patch), false);
            System.arraycopy(patch, 0, image, 3000, patch.length);
            assertThat(f.member(0, 1).writtenBytes())
                    .as("the old member is left")
                    .isEqualTo(writesBefore);

            // The replacement joins and is caught up while served.
            v.reconfigure(spec(f, 1, fresh, false));
            f.extents.getFirst().set(1, fresh);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> v.legStates().stream().allMatch(s -> s == LegSyncState.IN_SYNC));
            assertThat(header(f.member(0, 0)).failed().isEmpty()).isTrue();
            assertThat(parityHolds(f)).isTrue();
            assertThat(v.counters().regionsRepaired()).isPositive();

            // Read from: two others lost, member 1's chunks come from the replacement.
            f.member(0, 0).down(true);
            f.member(0, 2).down(true);
            assertThat(read(v, 0, size)).isEqualTo(image);
        }
    }

    /**
     * A move off a drained node: the member stays in use (written and read) while the superblock
     * names it moving and the bitmap keeps every region written dirty; its replacement (the node's
     * rebuild, missing the writes since) gets those regions copied from it and takes its place
     * ({@link EcMoveTest} holds the switch midway).
     */
    @Test
    void aMemberMovingOffADrainedNodeStaysInUseUntilItsReplacementHoldsEveryWrite() throws Exception {
        try (EcFixture f = EcFixture.small(4, 2, 2L * 4 * 4 * 4096)) {
            int size = (int) f.geometry.volumeBytes();
            byte[] image = random(5, size);
            EcVolume v = f.attach(1);
            v.write(0, ByteBuffer.wrap(image), false);

            markMoving(f, v);
            assertThat(header(f.member(0, 0)).failed().get(1))
                    .as("named moving, not failed: it holds every write")
                    .isFalse();
            assertThat(v.legStates()).as("still in use").containsOnly(LegSyncState.IN_SYNC);

            // The node's rebuild: member 1 as it is now, with the newest superblock as its own.
            UUID fresh = UUID.randomUUID();
            long bstoreBytes = f.geometry.bstoreBytes(0);
            f.memory.extent(fresh, bstoreBytes);
            write(f, fresh, 0, f.member(0, 1).snapshot(0, (int) bstoreBytes));

            long writesBefore = f.member(0, 1).writtenBytes();
            byte[] patch = random(6, 6000);
            v.write(3000, ByteBuffer.wrap(patch), false);
            System.arraycopy(patch, 0, image, 3000, patch.length);
            assertThat(f.member(0, 1).writtenBytes())
                    .as("the moving member is written")
                    .isGreaterThan(writesBefore);
            PStoreIo moving = v.pstores().getFirst();
            long dirty = moving.record.bitmap.dirtyCount();
            assertThat(dirty).isPositive();
            v.sweep();
            v.sweep();
            assertThat(moving.record.bitmap.dirtyCount())
                    .as("PStore 0's bits kept for its replacement")
                    .isEqualTo(dirty);
            assertThat(header(f.member(0, 2)).failed().get(PStoreHeader.movingBit(1)))
                    .as("a write does not take the mark away")
                    .isTrue();

            v.reconfigure(spec(f, 1, fresh, false, false));
            f.extents.getFirst().set(1, fresh);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> v.legStates().stream().allMatch(s -> s == LegSyncState.IN_SYNC)
                            && header(f.member(0, 0)).failed().isEmpty());
            assertThat(parityHolds(f)).isTrue();
            v.sweep();
            v.sweep();
            assertThat(v.dirtyRegions()).as("bits clear once it has moved").isZero();
            // Two others lost: member 1's chunks (the write made while it was filled among them) come
            // from the replacement.
            f.member(0, 0).down(true);
            f.member(0, 2).down(true);
            assertThat(read(v, 0, size)).isEqualTo(image);
        }
    }

    /**
     * The agent dies while a member moves: the next attachment takes the moving member as holding
     * every write (it was written all along), so the PStore keeps all its members.
     */
    @Test
    void aMemberMovingWhenItsAgentDiedIsTakenAsCurrentByTheNextAttachment() throws Exception {
        try (EcFixture f = EcFixture.small(4, 2, 2L * 4 * 4 * 4096)) {
            int size = (int) f.geometry.volumeBytes();
            byte[] image = random(7, size);
            EcVolume v = f.attach(1);
            v.write(0, ByteBuffer.wrap(image), false);
            markMoving(f, v);
            byte[] patch = random(8, 6000);
            v.write(3000, ByteBuffer.wrap(patch), false);
            System.arraycopy(patch, 0, image, 3000, patch.length);
            v.close(); // the agent dies (its bits stay: a member is moving)

            // Two other members lost meanwhile: with member 1 taken for stale, three would be left.
            f.member(0, 0).down(true);
            f.member(0, 2).down(true);
            EcVolume next = f.attach(2);
            assertThat(next.phase()).isInstanceOf(ServedVolume.Serving.class);
            assertThat(next.counters().regionsRepaired())
                    .as("the dirty regions made consistent")
                    .isPositive();
            assertThat(read(next, 0, size))
                    .as("member 1 among the four read: it holds the write made while it moved")
                    .isEqualTo(image);
        }
    }

    /**
     * The agent dies after the node filled a moving member's replacement but before it caught it up:
     * attached again with the replacement in the layout, the replacement (its own superblock names
     * it failed, as its node wrote it) is caught up over the regions written since, never trusted.
     */
    @Test
    void aReplacementNeverCaughtUpIsCaughtUpByTheNextAttachment() throws Exception {
        try (EcFixture f = EcFixture.small(4, 2, 2L * 4 * 4 * 4096)) {
            int size = (int) f.geometry.volumeBytes();
            byte[] image = random(9, size);
            EcVolume v = f.attach(1);
            v.write(0, ByteBuffer.wrap(image), false);
            markMoving(f, v);
            // The node's rebuild: member 1 as it is now, with the newest superblock as its, naming it failed.
            UUID fresh = UUID.randomUUID();
            long bstoreBytes = f.geometry.bstoreBytes(0);
            f.memory.extent(fresh, bstoreBytes);
            byte[] copy = f.member(0, 1).snapshot(0, (int) bstoreBytes);
            System.arraycopy(header(f.member(0, 0)).asStaleMember(1).encode().array(), 0, copy, 0, PStoreHeader.BYTES);
            write(f, fresh, 0, copy);
            byte[] patch = random(10, 6000); // after the fill: the replacement misses it
            v.write(3000, ByteBuffer.wrap(patch), false);
            System.arraycopy(patch, 0, image, 3000, patch.length);
            v.close(); // the agent dies before it is told of the replacement

            f.extents.getFirst().set(1, fresh);
            EcVolume next = f.attach(2);
            assertThat(next.legStates()).containsOnly(LegSyncState.IN_SYNC);
            f.member(0, 0).down(true);
            f.member(0, 2).down(true);
            assertThat(read(next, 0, size))
                    .as("member 1's chunks from the replacement, caught up")
                    .isEqualTo(image);
        }
    }

    @Test
    void aMemberMarkedKeptStaysWhenLeavingItWouldLeaveFewerThanK() throws Exception {
        try (EcFixture f = EcFixture.small(2, 1, 4L * 2 * 4096)) {
            int size = (int) f.geometry.volumeBytes();
            byte[] image = random(3, size);
            EcVolume v = f.attach(1);
            v.write(0, ByteBuffer.wrap(image), false);
            f.member(0, 2).down(true);
            v.write(0, ByteBuffer.wrap(image), false); // parity member 2 fails: two of three left
            // The controller takes member 0 for lost; this agent still reads it, and needs it.
            v.reconfigure(spec(f, 0, f.extents.getFirst().get(0), true));
            assertThat(read(v, 0, size)).isEqualTo(image);
            assertThat(header(f.member(0, 1)).failed().get(0)).isFalse();
        }
    }
}
