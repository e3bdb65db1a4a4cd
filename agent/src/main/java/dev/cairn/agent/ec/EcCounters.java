package dev.cairn.agent.ec;

import java.util.concurrent.atomic.LongAdder;

/** What an erasure-coded volume did since it was attached, for its meters. */
public final class EcCounters {
    final LongAdder wholeRows = new LongAdder();
    final LongAdder partialRows = new LongAdder();
    final LongAdder rebuiltRows = new LongAdder();
    final LongAdder repairedRegions = new LongAdder();
    final LongAdder loggedWrites = new LongAdder();
    final LongAdder loggedRepairs = new LongAdder();
    final LongAdder rejoinedMembers = new LongAdder();

    /** Rows written whole: parity encoded from the new data alone. */
    public long wholeRowsWritten() {
        return wholeRows.sum();
    }

    /** Rows written in part: the other data chunks read first (read-modify-write). */
    public long partialRowsWritten() {
        return partialRows.sum();
    }

    /** Rows read degraded: a chunk rebuilt from {@code k} other BStores. */
    public long rowsRebuilt() {
        return rebuiltRows.sum();
    }

    /** Dirty regions made consistent (parity recomputed, catching-up BStores rebuilt) at attach. */
    public long regionsRepaired() {
        return repairedRegions.sum();
    }

    /** Row writes logged first because a data BStore was missing (the degraded write hole). */
    public long degradedWritesLogged() {
        return loggedWrites.sum();
    }

    /** Rows repaired at attach from the degraded-write log (a client died in such a write). */
    public long rowsRepairedFromLog() {
        return loggedRepairs.sum();
    }

    /** BStores that failed while served, answered again and were caught up over the regions they missed. */
    public long membersRejoined() {
        return rejoinedMembers.sum();
    }
}
