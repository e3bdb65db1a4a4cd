package dev.cairn.agent.ec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.erasure.ReedSolomon;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class EcVolumeTest {

    static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] read(EcVolume v, long offset, int length) throws IOException {
        ByteBuffer dst = ByteBuffer.allocate(length);
        v.read(offset, dst);
        assertThat(dst.remaining()).isZero();
        return dst.array();
    }

    /** Whether every row of every PStore has the parity its data gives, on every member. */
    static boolean parityHolds(EcFixture f) {
        return parityHolds(f, f.geometry);
    }

    /** Whether every row of every PStore of {@code g} has the parity its data gives, on every member. */
    static boolean parityHolds(EcFixture f, StripeGeometry g) {
        ReedSolomon codec = ReedSolomon.of(g.k(), g.m());
        for (int p = 0; p < g.pstores(); p++) {
            ByteBuffer[] shards = new ByteBuffer[g.width()];
            for (int i = 0; i < g.width(); i++) {
                int rowsBytes = (int) (g.rows(p) * g.chunkBytes());
                shards[i] = ByteBuffer.wrap(f.member(p, i).snapshot(g.headerBytes(), rowsBytes));
            }
            if (!codec.verify(shards)) {
                return false;
            }
        }
        return true;
    }

    /** Every subset of {@code 0..n-1} with at most {@code max} members. */
    static List<List<Integer>> subsets(int n, int max) {
        List<List<Integer>> out = new ArrayList<>();
        for (int mask = 0; mask < 1 << n; mask++) {
            if (Integer.bitCount(mask) <= max) {
                List<Integer> s = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    if ((mask & 1 << i) != 0) {
                        s.add(i);
                    }
                }
                out.add(s);
            }
        }
        return out;
    }

    @Test
    void everyPatternOfUpToMLostBStoresReadsBackBitExact() throws Exception {
        for (int[] code : new int[][] {{2, 1}, {2, 2}, {3, 2}, {4, 2}}) {
            int k = code[0];
            int m = code[1];
            long size = 3L * 4 * k * 4096 - 4096; // three PStores, the last one short
            try (EcFixture f = EcFixture.small(k, m, size)) {
                byte[] image = random(k * 10L + m, (int) size);
                EcVolume writer = f.attach(1);
                writer.write(0, ByteBuffer.wrap(image), false);
                writer.flush();
                writer.close();
                assertThat(parityHolds(f)).as("%d+%d parity", k, m).isTrue();
                long generation = 2;
                for (List<Integer> lost : subsets(k + m, m)) {
                    lost.forEach(i -> f.member(1, i).down(true));
                    EcVolume v = f.attach(generation++);
                    assertThat(read(v, 0, (int) size))
                            .as("%d+%d with BStores %s of PStore 1 lost", k, m, lost)
                            .isEqualTo(image);
                    v.close();
                    lost.forEach(i -> f.member(1, i).down(false));
                }
            }
        }
    }

    @Test
    void membersLostWhileServingAreRebuiltOnTheFlyAndWritesGoOn() throws Exception {
        try (EcFixture f = EcFixture.small(4, 2, 2L * 4 * 4 * 4096)) {
            int size = (int) f.geometry.volumeBytes();
            byte[] image = random(7, size);
            EcVolume v = f.attach(1);
            v.write(0, ByteBuffer.wrap(image), false);
            f.member(0, 1).down(true); // a data member of PStore 0
            assertThat(read(v, 0, size)).isEqualTo(image);
            assertThat(v.counters().rowsRebuilt()).as("PStore 0's 4 rows").isEqualTo(4);
            assertThat(v.legStates().get(1)).isEqualTo(LegSyncState.FAILED);
            // Partial writes over the lost chunk and beside it, then lose a parity member too.
            byte[] patch = random(8, 10_000);
            v.write(4096 + 100, ByteBuffer.wrap(patch), false);
            System.arraycopy(patch, 0, image, 4096 + 100, patch.length);
            f.member(0, 4).down(true);
            byte[] patch2 = random(9, 3000);
            v.write(20_000, ByteBuffer.wrap(patch2), true);
            System.arraycopy(patch2, 0, image, 20_000, patch2.length);
            assertThat(read(v, 0, size)).isEqualTo(image);
            v.close();
            // Attached again elsewhere with both still gone, then the surviving members' bytes
            // alone give the image back.
            EcVolume again = f.attach(2);
            assertThat(read(again, 0, size)).isEqualTo(image);
            assertThat(again.report().legs())
                    .filteredOn(l -> l.state() == LegSyncState.FAILED)
                    .hasSize(2);
        }
    }

    /**
     * A detach raises the generation before the agent's clean-up reaches the members: most nodes
     * refuse it (fenced), one has not heard of the new generation yet. The agent names no member
     * failed for it (the one that took a superblock would say the others missed writes), so the
     * PStore attaches again with every member, and still reads after losing {@code m}.
     */
    @Test
    void membersFencedByANewerGenerationAreNotNamedFailed() throws Exception {
        try (EcFixture f = EcFixture.small(4, 2, 4L * 4 * 4096)) {
            int size = (int) f.geometry.volumeBytes();
            byte[] image = random(11, size);
            EcVolume v = f.attach(1);
            v.write(0, ByteBuffer.wrap(image), false);
            for (int i = 0; i < 5; i++) {
                f.member(0, i).fence(true);
            }
            assertThatThrownBy(() -> v.write(0, ByteBuffer.wrap(image), true))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("fenced");
            assertThat(v.legStates()).doesNotContain(LegSyncState.FAILED);
            v.close();
            for (int i = 0; i < 5; i++) {
                f.member(0, i).fence(false);
            }
            EcVolume again = f.attach(2);
            assertThat(again.report().legs()).allMatch(l -> l.state() == LegSyncState.IN_SYNC);
            f.member(0, 0).down(true);
            f.member(0, 5).down(true);
            assertThat(read(again, 0, size)).isEqualTo(image);
        }
    }

    @Test
    void moreLostThanParityGivesAnIoErrorNeverMadeUpData() throws Exception {
        try (EcFixture f = EcFixture.small(2, 1, 2L * 4 * 2 * 4096)) {
            EcVolume v = f.attach(1);
            v.write(0, ByteBuffer.wrap(random(1, 8192)), false);
            f.member(0, 0).down(true);
            f.member(0, 2).down(true);
            assertThatThrownBy(() -> read(v, 0, 4096))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("PStore 0 row 0: only 1 of 3 BStores can be read, 2 needed");
            assertThatThrownBy(() -> v.write(0, ByteBuffer.allocate(4096), false))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("2 needed");
            // PStore 1 is whole: it still reads and writes.
            v.write(8L * 4096, ByteBuffer.wrap(random(2, 4096)), false);
            assertThat(read(v, 8L * 4096, 4096)).isEqualTo(random(2, 4096));
        }
    }

    @Test
    void aVolumeWithAPStoreShortOfKBStoresIsNotServedAndSaysWhy() {
        try (EcFixture f = EcFixture.small(2, 1, 2L * 4 * 2 * 4096)) {
            f.member(1, 0).down(true);
            f.member(1, 1).down(true);
            EcVolume v = f.attach(1);
            assertThat(v.phase().toString())
                    .isEqualTo("ASSEMBLING (PStore 1 has 1 of 3 BStores holding every write, 2 needed)");
            assertThatThrownBy(() -> read(v, 0, 4096)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void smallWritesReadOnlyTheChunksTheyDoNotCoverAndParityStaysRight() throws Exception {
        try (EcFixture f = EcFixture.small(4, 2, 4L * 4 * 4096)) {
            EcVolume v = f.attach(1);
            v.write(0, ByteBuffer.wrap(random(3, 4 * 4 * 4096)), false);
            long before = f.member(0, 0).reads();
            long beforeWritten = f.member(0, 1).reads();
            v.write(5000, ByteBuffer.wrap(random(4, 512)), false); // chunk 1 of row 0
            assertThat(f.member(0, 1).reads())
                    .as("the chunk written is not read")
                    .isEqualTo(beforeWritten);
            assertThat(f.member(0, 0).reads() - before).isEqualTo(1);
            assertThat(parityHolds(f)).isTrue();
            assertThat(v.counters().wholeRowsWritten()).isEqualTo(4);
            assertThat(v.counters().partialRowsWritten()).isEqualTo(1);
            assertThat(v.counters().rowsRebuilt()).isZero();
        }
    }

    @Test
    void concurrentWritesToTheSameRowsKeepParityRight() throws Exception {
        try (EcFixture f = EcFixture.small(3, 2, 3L * 4 * 4096);
                ExecutorService pool = Executors.newFixedThreadPool(8)) {
            EcVolume v = f.attach(1);
            int size = (int) f.geometry.volumeBytes();
            byte[] image = new byte[size];
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    Random r = new Random(thread);
                    for (int i = 0; i < 200; i++) {
                        // Each thread owns every 8th 512-byte sector: no two threads write the same byte.
                        int sector = (r.nextInt(size / 512 / 8) * 8 + thread);
                        byte[] bytes = random(thread * 1000L + i, 512);
                        v.write(sector * 512L, ByteBuffer.wrap(bytes), false);
                        synchronized (image) {
                            System.arraycopy(bytes, 0, image, sector * 512, 512);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> d : done) {
                d.get();
            }
            assertThat(parityHolds(f)).isTrue();
            assertThat(read(v, 0, size)).isEqualTo(image);
        }
    }
}
