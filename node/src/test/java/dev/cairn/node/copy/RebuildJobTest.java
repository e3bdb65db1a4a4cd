package dev.cairn.node.copy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.BStoreRebuild;
import dev.cairn.drive.Drive;
import dev.cairn.drive.Extent;
import dev.cairn.drive.ExtentAccess;
import dev.cairn.drive.backend.MemoryBackend;
import dev.cairn.erasure.ReedSolomon;
import dev.cairn.legs.header.BitmapFormat;
import dev.cairn.legs.header.PStoreHeader;
import dev.cairn.legs.io.LegIo;
import dev.cairn.legs.io.MemoryLegs;
import dev.cairn.testkit.FakeClock;
import dev.cairn.testkit.Patterns;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node's rebuild of a lost BStore, against in-memory members and a real drive: the member's
 * chunks are decoded from members that hold every write (never one the newest superblock names
 * failed), the new BStore gets the newest superblock as its own and the bitmap, and while an agent
 * serves the volume the rebuild waits until the superblock names the member failed.
 */
class RebuildJobTest {
    static final int K = 4;
    static final int M = 2;
    static final int CHUNK = 4096;
    static final long ROWS = 40; // two and a half steps
    static final long HEADER = 1 << 20;
    static final long AREA = ROWS * CHUNK;
    static final long EXTENT = HEADER + AREA;
    static final int REGION_ROWS = 8;
    static final long GENERATION = 3;

    final UUID volume = UUID.randomUUID();
    final List<UUID> members = new ArrayList<>();
    final UUID target = UUID.randomUUID();
    final MemoryLegs memory = new MemoryLegs();
    final ExecutorService io = Executors.newFixedThreadPool(4);
    final ByteBuffer[] areas = new ByteBuffer[K + M];
    final Extent local;

    RebuildJobTest() throws Exception {
        Drive drive = Drive.format(new MemoryBackend(64 << 20), UUID.randomUUID(), UUID.randomUUID(), new FakeClock());
        local = drive.allocate(target, EXTENT, new ExtentAccess(GENERATION, "k"));
        for (int i = 0; i < K; i++) {
            areas[i] = Patterns.random((int) AREA, 100 + i);
        }
        for (int p = 0; p < M; p++) {
            areas[K + p] = ByteBuffer.allocate((int) AREA);
        }
        ByteBuffer[] data = new ByteBuffer[K];
        ByteBuffer[] parity = new ByteBuffer[M];
        for (int i = 0; i < K; i++) {
            data[i] = areas[i].duplicate();
        }
        for (int p = 0; p < M; p++) {
            parity[p] = areas[K + p].duplicate();
        }
        ReedSolomon.of(K, M).encode(data, parity);
        for (int i = 0; i < K + M; i++) {
            UUID id = UUID.randomUUID();
            members.add(id);
            memory.extent(id, EXTENT);
            write(id, HEADER, areas[i].duplicate());
        }
    }

    @AfterEach
    void stop() {
        io.shutdownNow();
    }

    private void write(UUID member, long at, ByteBuffer bytes) throws Exception {
        try (LegIo io = memory.connect(MemoryLegs.target(0, member, EXTENT))) {
            LegIo.await(io.write(at, bytes, false), Duration.ofSeconds(5));
        }
    }

    private PStoreHeader header(int member, long events, BitSet failed) {
        return new PStoreHeader(volume, 0, member, K, M, CHUNK, ROWS, REGION_ROWS, GENERATION, events, failed);
    }

    /** Every member's superblock at {@code events}, naming {@code failed}, with region {@code dirty} set. */
    private void superblocks(long events, BitSet failed, int dirty) throws Exception {
        BitSet bits = new BitSet();
        bits.set(dirty);
        for (int i = 0; i < K + M; i++) {
            write(members.get(i), 0, header(i, events, failed).encode());
            write(members.get(i), PStoreHeader.BITMAP_OFFSET, BitmapFormat.page(bits.toLongArray(), 0));
        }
    }

    private RebuildJob job(int member, boolean attached, CopyProgress progress) {
        return job(member, attached, progress, List.of());
    }

    private RebuildJob job(int member, boolean attached, CopyProgress progress, List<Integer> sources) {
        List<AgentApi.AttachedLeg> legs = new ArrayList<>();
        for (int i = 0; i < K + M; i++) {
            legs.add(new AgentApi.AttachedLeg(
                    i, members.get(i), UUID.randomUUID(), "mem:" + i, EXTENT, "k", i == member));
        }
        BStoreRebuild rebuild = new BStoreRebuild(
                volume,
                "v",
                0,
                member,
                target,
                GENERATION,
                attached,
                K,
                M,
                CHUNK,
                ROWS,
                HEADER,
                REGION_ROWS,
                legs,
                sources);
        LegCopies.Context context = CopyContexts.of(target, local, io, memory);
        return new RebuildJob(rebuild, context, progress);
    }

    private CopyProgress progress() {
        return new CopyProgress(target, GENERATION, new FakeClock(), () -> {});
    }

    private ByteBuffer localArea() throws Exception {
        ByteBuffer out = ByteBuffer.allocate((int) AREA);
        local.read(HEADER, out);
        return out.flip();
    }

    private PStoreHeader localHeader() throws Exception {
        ByteBuffer block = ByteBuffer.allocate(PStoreHeader.BYTES);
        local.read(0, block);
        return ((PStoreHeader.Valid) PStoreHeader.decode(block.flip())).header();
    }

    @Test
    void aLostDataMemberIsDecodedFromTheOthersAndTakesTheNewestSuperblock() throws Exception {
        superblocks(9, new BitSet(), 2);
        memory.extent(members.get(1)).down(true);
        CopyProgress progress = progress();
        assertThat(job(1, false, progress).attempt()).isEqualTo(new CopyJob.Outcome.Done(AREA));
        assertThat(localArea()).isEqualTo(areas[1].duplicate().clear());
        PStoreHeader h = localHeader();
        assertThat(h.member()).isEqualTo(1);
        assertThat(h.events()).isEqualTo(9);
        ByteBuffer page = ByteBuffer.allocate(BitmapFormat.PAGE_BYTES);
        local.read(PStoreHeader.BITMAP_OFFSET, page);
        assertThat(BitmapFormat.decode(ROWS / REGION_ROWS, page.flip()).stream().toArray())
                .containsExactly(2);
        assertThat(progress.report().doneBytes()).isEqualTo(AREA);
    }

    @Test
    void aMemberTheNewestSuperblockNamesFailedIsNeverReadAndAParityMemberIsRebuiltToo() throws Exception {
        BitSet failed = new BitSet();
        failed.set(3);
        superblocks(12, failed, 0);
        write(members.get(3), HEADER, Patterns.random((int) AREA, 7)); // stale, as a member that missed writes
        write(members.get(3), 0, header(3, 11, new BitSet()).encode());
        memory.extent(members.get(5)).down(true);
        assertThat(job(5, false, progress()).attempt()).isEqualTo(new CopyJob.Outcome.Done(AREA));
        assertThat(localArea()).isEqualTo(areas[5].duplicate().clear());
    }

    /** It reads the members the restriper chose (here parity and the last data members) and no other's rows. */
    @Test
    void theMembersTheRestriperChoseAreTheOnesRead() throws Exception {
        superblocks(3, new BitSet(), 0);
        memory.extent(members.get(1)).down(true);
        long before = memory.extent(members.get(0)).reads();
        assertThat(job(1, false, progress(), List.of(5, 4, 3, 2)).attempt()).isEqualTo(new CopyJob.Outcome.Done(AREA));
        assertThat(localArea()).isEqualTo(areas[1].duplicate().clear());
        assertThat(memory.extent(members.get(0)).reads() - before)
                .as("member 0: its header only")
                .isEqualTo(1);
        assertThat(memory.extent(members.get(5)).reads()).isGreaterThan(1);
    }

    @Test
    void whileServedItWaitsUntilTheSuperblockNamesTheMemberFailed() throws Exception {
        superblocks(4, new BitSet(), 1);
        memory.extent(members.get(0)).down(true);
        CopyJob.Outcome waiting = job(0, true, progress()).attempt();
        assertThat(waiting)
                .isInstanceOfSatisfying(
                        CopyJob.Outcome.Waiting.class,
                        w -> assertThat(w.why()).contains("has not yet named BStore 0 failed"));
        BitSet failed = new BitSet();
        failed.set(0);
        memory.extent(members.get(0)).down(false); // (the agent writes the others; this one stays as it was)
        superblocks(5, failed, 1);
        memory.extent(members.get(0)).down(true);
        assertThat(job(0, true, progress()).attempt()).isEqualTo(new CopyJob.Outcome.Done(AREA));
        assertThat(localArea()).isEqualTo(areas[0].duplicate().clear());
        assertThat(localHeader().failed().get(0))
                .as("still to be caught up by the agent")
                .isTrue();
    }

    @Test
    void tooFewMembersLeftWaitsAndSaysWhich() throws Exception {
        superblocks(2, new BitSet(), 0);
        for (int i : new int[] {0, 1, 2}) {
            memory.extent(members.get(i)).down(true);
        }
        CopyJob.Outcome o = job(0, false, progress()).attempt();
        assertThat(o)
                .isInstanceOfSatisfying(
                        CopyJob.Outcome.Waiting.class,
                        w -> assertThat(w.why()).contains("only 3 of the PStore's BStores can be read"));
    }
}
