package dev.cairn.agent.bitmap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random interleavings of writes, sweeps and clears: a region with a write in flight, or written
 * since the sweep before the last one, always has its bit on disk.
 */
class WriteIntentBitmapProperties {
    private static final long REGIONS = 40;

    @Property(tries = 300, seed = "20261121")
    void writtenRegionsStayDirtyOnDisk(@ForAll("actions") List<Integer> actions) throws Exception {
        RecordingSink sink = new RecordingSink();
        WriteIntentBitmap bitmap = new WriteIntentBitmap(REGIONS, sink);
        Deque<long[]> inFlight = new ArrayDeque<>();
        BitSet sinceOlderSweep = new BitSet();
        BitSet sinceLastSweep = new BitSet();
        WriteIntentBitmap.Sweep pending = null;
        for (int a : actions) {
            if (a < 1000) {
                long first = a % REGIONS;
                long last = Math.min(REGIONS - 1, first + a / 400);
                bitmap.beginWrite(first, last);
                inFlight.add(new long[] {first, last});
                sinceLastSweep.set((int) first, (int) last + 1);
            } else if (a < 1500 && !inFlight.isEmpty()) {
                long[] w = inFlight.poll();
                bitmap.endWrite(w[0], w[1]);
            } else if (a < 1800) {
                pending = bitmap.sweep();
                sinceOlderSweep = (BitSet) sinceLastSweep.clone();
                sinceLastSweep.clear();
            } else if (pending != null) {
                bitmap.clear(pending);
                pending = null;
            }
            BitSet onDisk = sink.onDisk(REGIONS);
            BitSet mustBeSet = new BitSet();
            inFlight.forEach(w -> mustBeSet.set((int) w[0], (int) w[1] + 1));
            mustBeSet.or(sinceLastSweep);
            mustBeSet.or(sinceOlderSweep);
            BitSet missing = (BitSet) mustBeSet.clone();
            missing.andNot(onDisk);
            assertThat(missing.isEmpty())
                    .as("regions %s written recently but clean on disk", missing)
                    .isTrue();
        }
    }

    @Provide
    Arbitrary<List<Integer>> actions() {
        return Arbitraries.integers().between(0, 2000).list().ofMinSize(1).ofMaxSize(200);
    }
}
