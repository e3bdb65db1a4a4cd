package dev.cairn.agent.ec;

import dev.cairn.legs.header.DegradedWrite;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** A row made consistent again: at attach, before the volume is served, and to catch a member up. */
final class RowRepair {
    private RowRepair() {}

    /**
     * Makes row {@code row} of {@code p} consistent, whole chunks: the data chunks as the members
     * that hold every write have them (rebuilt from any {@code k} of those where a data member does
     * not; the members in {@code notSources} missed writes; where the degraded-write log holds a
     * missing member's bytes, those), parity computed from them, written to every parity member in
     * {@code targets}, and data to every data member in {@code targets} (members catching up).
     */
    static void repair(
            PStoreIo p, long row, Set<Integer> notSources, Set<Integer> targets, Optional<DegradedWrite> logged)
            throws IOException {
        StripeGeometry g = p.geometry();
        List<BStore> members = p.members();
        ByteBuffer[] data = p.readAny(row, 0, g.chunkBytes(), notSources);
        if (logged.isPresent()) {
            DegradedWrite e = logged.get();
            for (int c = 0; c < g.k(); c++) {
                if (e.holds(c) && (notSources.contains(c) || !members.get(c).usable())) {
                    data[c].put(e.from(), e.chunk(c), 0, e.to() - e.from());
                }
            }
            p.counters.loggedRepairs.increment();
        }
        ByteBuffer[] parity = p.parityOf(data);
        Map<BStore, CompletableFuture<?>> writes = new LinkedHashMap<>();
        long at = g.offsetOnBStore(row, 0);
        for (int i : targets) {
            ByteBuffer src = i < g.k() ? data[i] : parity[i - g.k()];
            PStoreIo.submitWrite(writes, members.get(i), at, src, false);
        }
        MemberRequests.awaitAll(p.timeout(), p.describe(), writes);
        p.requireK(row);
    }
}
