package dev.cairn.nbd.server;

import dev.cairn.nbd.NbdProtocol;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Counters of one server, for metrics and tests. Cheap to update from any thread. */
public final class ServerStats {
    private final LongAdder accepted = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder evicted = new LongAdder();
    private final LongAdder stalledCut = new LongAdder();
    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder requests = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder bytesWritten = new LongAdder();

    void onAccepted() {
        accepted.increment();
        open.incrementAndGet();
    }

    void onRefused() {
        refused.increment();
    }

    void onEvicted() {
        evicted.increment();
    }

    void onStalledCut() {
        stalledCut.increment();
    }

    void onClosed() {
        open.decrementAndGet();
    }

    void onRequest(int type, long length) {
        requests.increment();
        if (type == NbdProtocol.CMD_READ) {
            bytesRead.add(length);
        } else if (type == NbdProtocol.CMD_WRITE) {
            bytesWritten.add(length);
        }
    }

    void onError() {
        errors.increment();
    }

    /** Connections accepted since start. */
    public long accepted() {
        return accepted.sum();
    }

    /** Connections refused because the server was at its limit. */
    public long refused() {
        return refused.sum();
    }

    /** Handshaking connections cut to make room for a new client at the connection limit. */
    public long evicted() {
        return evicted.sum();
    }

    /** Connections cut because a request or reply made no progress within the stall timeout. */
    public long stalledCut() {
        return stalledCut.sum();
    }

    /** Connections open now (handshaking or transmitting). */
    public int open() {
        return open.get();
    }

    public long requests() {
        return requests.sum();
    }

    /** Requests answered with an error. */
    public long errors() {
        return errors.sum();
    }

    /** Bytes clients asked to read. */
    public long bytesRead() {
        return bytesRead.sum();
    }

    /** Bytes clients sent to write. */
    public long bytesWritten() {
        return bytesWritten.sum();
    }
}
