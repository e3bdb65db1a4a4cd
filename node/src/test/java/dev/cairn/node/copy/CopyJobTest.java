package dev.cairn.node.copy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.Views;
import dev.cairn.drive.Drive;
import dev.cairn.drive.Extent;
import dev.cairn.drive.ExtentAccess;
import dev.cairn.drive.backend.MemoryBackend;
import dev.cairn.legs.header.BitmapFormat;
import dev.cairn.legs.header.FillRecord;
import dev.cairn.legs.header.LegHeader;
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
 * A node's own copy of one of its legs, against in-memory peers and a real drive: what it copies
 * is what the agent would (the resync plan decides), it goes on from a fill record, a kept leg is
 * only ever caught up, and the leg ends named in sync in every member's superblock.
 */
class CopyJobTest {
    static final long REGION = 64 * 1024;
    static final long SIZE = 32 * REGION;
    static final long HEADER = 1 << 20;
    static final long EXTENT = HEADER + SIZE;
    static final long GENERATION = 5;

    final UUID volume = UUID.randomUUID();
    final UUID a = UUID.randomUUID();
    final UUID b = UUID.randomUUID();
    final UUID target = UUID.randomUUID();
    final MemoryLegs memory = new MemoryLegs();
    final ExecutorService io = Executors.newFixedThreadPool(4);
    final Drive drive;
    final Extent local;

    CopyJobTest() throws Exception {
        drive = Drive.format(new MemoryBackend(64 << 20), UUID.randomUUID(), UUID.randomUUID(), new FakeClock());
        local = drive.allocate(target, EXTENT, new ExtentAccess(GENERATION, "k"));
        for (UUID leg : List.of(a, b)) {
            memory.extent(leg, EXTENT);
            write(leg, HEADER, volumeData());
        }
    }

    @AfterEach
    void stop() {
        io.shutdownNow();
    }

    private static ByteBuffer volumeData() {
        return Patterns.random((int) SIZE, 42);
    }

    private void write(UUID leg, long at, ByteBuffer bytes) throws Exception {
        try (LegIo io = memory.connect(MemoryLegs.target(0, leg, EXTENT))) {
            LegIo.await(io.write(at, bytes, false), Duration.ofSeconds(5));
        }
    }

    private void header(UUID leg, long events, List<UUID> inSync, int... dirty) throws Exception {
        write(leg, 0, new LegHeader(volume, leg, 4, events, SIZE, REGION, HEADER, inSync).encode());
        BitSet bits = new BitSet();
        for (int r : dirty) {
            bits.set(r);
        }
        write(leg, LegHeader.BITMAP_OFFSET, BitmapFormat.page(bits.toLongArray(), 0));
    }

    private CopyJob job(boolean kept, CopyProgress progress) {
        List<AgentApi.AttachedLeg> legs = new ArrayList<>();
        int i = 0;
        for (UUID leg : List.of(a, b, target)) {
            legs.add(new AgentApi.AttachedLeg(
                    i++, leg, UUID.randomUUID(), "mem:" + i, EXTENT, "k", kept && leg.equals(target)));
        }
        Views.LegCopy copy = new Views.LegCopy(volume, "v", SIZE, REGION, GENERATION, target, kept, legs);
        LegCopies.Context context = CopyContexts.of(target, local, io, memory);
        return new CopyJob(copy, context, progress);
    }

    private CopyProgress progress() {
        return new CopyProgress(target, GENERATION, new FakeClock(), () -> {});
    }

    private byte[] localData() throws Exception {
        ByteBuffer out = ByteBuffer.allocate((int) SIZE);
        local.read(HEADER, out);
        return out.array();
    }

    private LegHeader.Read headerOf(UUID leg) throws Exception {
        if (leg.equals(target)) {
            ByteBuffer block = ByteBuffer.allocate(LegHeader.BYTES);
            local.read(0, block);
            return LegHeader.decode(block.flip());
        }
        return LegHeader.decode(ByteBuffer.wrap(memory.extent(leg).snapshot(0, LegHeader.BYTES)));
    }

    @Test
    void aNewLegGetsEveryRegionAndJoinsTheInSyncSet() throws Exception {
        header(a, 7, List.of(a, b));
        header(b, 7, List.of(a, b));
        CopyProgress progress = progress();
        CopyJob.Outcome o = job(false, progress).attempt();
        assertThat(o).isEqualTo(new CopyJob.Outcome.Done(SIZE));
        assertThat(localData()).isEqualTo(volumeData().array());
        for (UUID leg : List.of(a, b, target)) {
            assertThat(headerOf(leg)).isInstanceOfSatisfying(LegHeader.Valid.class, v -> {
                assertThat(v.header().events()).isEqualTo(8);
                assertThat(v.header().generation()).isEqualTo(GENERATION);
                assertThat(v.header().inSync()).containsExactlyInAnyOrder(a, b, target);
            });
        }
        assertThat(progress.report().doneBytes()).isEqualTo(SIZE);
    }

    @Test
    void aCopyGoesOnFromTheFillRecordOnTheLeg() throws Exception {
        header(a, 7, List.of(a, b), 2);
        header(b, 7, List.of(a, b));
        ByteBuffer data = volumeData();
        local.write(HEADER, data.duplicate().limit((int) (20 * REGION)), false); // copied before
        local.write(0, new FillRecord(volume, target, 4, SIZE, REGION, HEADER, 20).encode(), true);
        CopyJob.Outcome o = job(false, progress()).attempt();
        assertThat(o).as("regions 20..31 and the dirty region 2").isEqualTo(new CopyJob.Outcome.Done(13 * REGION));
        assertThat(localData()).isEqualTo(volumeData().array());
    }

    @Test
    void aKeptLegIsCaughtUpFromTheBitmapButNeverGivenAFullCopy() throws Exception {
        header(a, 9, List.of(a, b), 3, 30);
        header(b, 9, List.of(a, b), 3, 30);
        CopyJob.Outcome blank = job(true, progress()).attempt();
        assertThat(blank)
                .isInstanceOfSatisfying(
                        CopyJob.Outcome.Waiting.class,
                        w -> assertThat(w.why()).contains("cannot catch up from the bitmap"));
        assertThat(local.allocation(HEADER, SIZE)).allMatch(r -> r.hole());

        ByteBuffer stale = volumeData();
        for (int r : new int[] {3, 30}) {
            stale.put(r * (int) REGION, (byte) ~stale.get(r * (int) REGION)); // missed the writes there
        }
        local.write(HEADER, stale, false);
        local.write(0, new LegHeader(volume, target, 4, 6, SIZE, REGION, HEADER, List.of(a, b, target)).encode(), true);
        CopyJob.Outcome o = job(true, progress()).attempt();
        assertThat(o).isEqualTo(new CopyJob.Outcome.Done(2 * REGION));
        assertThat(localData()).isEqualTo(volumeData().array());
        assertThat(headerOf(a))
                .isInstanceOfSatisfying(
                        LegHeader.Valid.class,
                        v -> assertThat(v.header().inSync()).contains(target));
    }

    @Test
    void aLegAtAnotherGenerationWaits() throws Exception {
        header(a, 7, List.of(a, b));
        header(b, 7, List.of(a, b));
        drive.setAccess(target, new ExtentAccess(GENERATION + 1, "k"));
        CopyJob.Outcome o = job(false, progress()).attempt();
        assertThat(o)
                .isInstanceOfSatisfying(
                        CopyJob.Outcome.Waiting.class,
                        w -> assertThat(w.why()).contains("generation " + (GENERATION + 1)));
        assertThat(headerOf(target)).isInstanceOf(LegHeader.Blank.class);
    }

    @Test
    void withALegOfTheNewestSetUnreachableTheCopyWaits() throws Exception {
        header(a, 7, List.of(a, b));
        header(b, 7, List.of(a, b));
        memory.extent(b).down(true);
        CopyJob.Outcome o = job(false, progress()).attempt();
        assertThat(o)
                .isInstanceOfSatisfying(
                        CopyJob.Outcome.Waiting.class,
                        w -> assertThat(w.why()).contains(b.toString()).contains("unreachable"));
    }
}
