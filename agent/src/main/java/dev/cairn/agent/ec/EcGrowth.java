package dev.cairn.agent.ec;

import dev.cairn.erasure.ReedSolomon;
import dev.cairn.legs.io.LegConnector;
import dev.cairn.legs.io.LegTarget;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An erasure-coded volume growing while it is served, at the same attachment: the controller's
 * view gives it a larger size (the PStores that size adds, the last one's members grown in place).
 * The PStores served keep being served as they are; on each maintenance pass, the new PStores are
 * assembled (members connected, superblocks and bitmaps written), then the volume takes the new
 * geometry and adds them ({@link EcVolume#grow}). What keeps it from growing is said once and tried
 * again on the next pass.
 */
final class EcGrowth {
    private static final Logger log = LoggerFactory.getLogger(EcGrowth.class);

    private final EcVolume volume;
    private final LegConnector connector;
    private final Duration timeout;
    private final Executor connects;
    private final ReedSolomon codec;
    private final EcCounters counters;
    /** The view of a larger size, until the volume has grown to it. */
    private EcSpec growingTo;

    private String problem = "";

    EcGrowth(
            EcVolume volume,
            LegConnector connector,
            Duration timeout,
            Executor connects,
            ReedSolomon codec,
            EcCounters counters) {
        this.volume = volume;
        this.connector = connector;
        this.timeout = timeout;
        this.connects = connects;
        this.codec = codec;
        this.counters = counters;
    }

    /** PStore {@code p} of {@code spec}, not connected yet. */
    PStoreIo pstore(EcSpec spec, int p) {
        List<LegTarget> targets = spec.pstores().get(p);
        List<BStore> members = IntStream.range(0, targets.size())
                .mapToObj(i -> new BStore(i, targets.get(i)))
                .toList();
        return new PStoreIo(spec.volumeId(), spec.generation(), p, spec.geometry(), members, codec, timeout, counters);
    }

    /** Whether the volume is still asked to grow as {@code next} says. */
    synchronized boolean asking(EcSpec next) {
        return next.equals(growingTo);
    }

    /** The volume has grown to the size asked. */
    synchronized void done() {
        growingTo = null;
        problem = "";
    }

    /**
     * The controller's view {@code next} of a volume served as {@code served}: what to serve now
     * ({@code next} itself, or, when it is larger, its members of the PStores served now, the growth
     * to come); one that changes the code, chunks, PStores or header, or shrinks, is refused.
     */
    synchronized EcSpec asked(EcSpec served, EcSpec next) {
        StripeGeometry now = served.geometry();
        StripeGeometry g = next.geometry();
        StripeGeometry sameCut = new StripeGeometry(
                g.k(), g.m(), g.chunkBytes(), g.pstoreBytes(), g.regionRows(), g.headerBytes(), now.volumeBytes());
        if (!sameCut.equals(now) || g.volumeBytes() < now.volumeBytes() || next.generation() != served.generation()) {
            throw new IllegalArgumentException(served.describe() + ": the controller changed its geometry or"
                    + " generation during the attachment, or shrank it; it keeps being served as it was");
        }
        if (g.volumeBytes() == now.volumeBytes()) {
            growingTo = null;
            return next;
        }
        growingTo = next;
        return new EcSpec(
                next.volumeId(),
                next.name(),
                next.generation(),
                now,
                next.pstores().subList(0, now.pstores()));
    }

    /** One try at growing to the size asked for, if one is and the volume is served. */
    void pass() {
        EcSpec next;
        synchronized (this) {
            next = growingTo;
        }
        if (next == null || !volume.serving()) {
            return;
        }
        List<PStoreIo> added = new ArrayList<>();
        for (int p = volume.pstores().size(); p < next.geometry().pstores(); p++) {
            added.add(pstore(next, p));
        }
        try {
            List<String> problems =
                    added.isEmpty() ? List.of() : PStoreAssembly.attemptAll(added, next, connector, timeout, connects);
            if (!problems.isEmpty()) {
                throw new IOException(String.join("; ", problems));
            }
            if (volume.grow(next, added)) {
                log.info(
                        "{}: grown to {} bytes ({} PStores added)",
                        next.describe(),
                        next.geometry().volumeBytes(),
                        added.size());
                return;
            }
        } catch (IOException e) {
            synchronized (this) {
                if (!e.getMessage().equals(problem)) {
                    problem = e.getMessage();
                    log.warn(
                            "{}: cannot grow to {} bytes yet: {}",
                            next.describe(),
                            next.geometry().volumeBytes(),
                            problem);
                }
            }
        }
        added.forEach(p -> p.members().forEach(BStore::close));
    }
}
