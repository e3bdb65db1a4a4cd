package dev.cairn.agent.ec;

import dev.cairn.agent.replica.VolumeSettings;
import dev.cairn.legs.header.PStoreHeader;
import dev.cairn.legs.io.LegConnector;
import dev.cairn.legs.io.LegIo;
import dev.cairn.legs.io.LegTarget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Members that failed while the volume is served, tried again, as legs are: a node back from a
 * restart or a short outage (before the class's repair timeout: then a reprotect rebuilds its
 * BStores elsewhere) gets only the regions written meanwhile. A failed member that is not being
 * rebuilt elsewhere is connected again every {@code retryEvery}, backing off to eight times that;
 * one that answers with its own header (or a blank one: never written) takes writes at once and is
 * caught up over the regions the bitmap holds dirty ({@link MemberChanges#catchUp}: every region
 * written since it failed, as no bit clears while a member is missing), then is read from again.
 * One whose header is damaged or another's stays failed (its data cannot be trusted: a reprotect
 * replaces it).
 */
final class MemberRejoins {
    private static final Logger log = LoggerFactory.getLogger(MemberRejoins.class);
    /** The wait between tries doubles up to {@code retryEvery << MAX_BACK_OFF}. */
    private static final int MAX_BACK_OFF = 3;

    private record Key(int pstore, int member) {}

    private final UUID volumeId;
    private final List<PStoreIo> pstores;
    private final LegConnector connector;
    private final VolumeSettings settings;
    private final Executor background;
    /** The volume's lock (a reprotect's change of members takes it too). */
    private final Object lock;
    /** The controller's view of the volume now, while it is served (null once it is not). */
    private final Supplier<EcSpec> served;

    private final Map<Key, Integer> attempts = new ConcurrentHashMap<>();
    private final Map<Key, Long> nextAt = new ConcurrentHashMap<>();
    private final Set<Key> trying = ConcurrentHashMap.newKeySet();

    MemberRejoins(
            UUID volumeId,
            List<PStoreIo> pstores,
            LegConnector connector,
            VolumeSettings settings,
            Executor background,
            Object lock,
            Supplier<EcSpec> served) {
        this.volumeId = volumeId;
        this.pstores = pstores;
        this.connector = connector;
        this.settings = settings;
        this.background = background;
        this.lock = lock;
        this.served = served;
    }

    /** Starts, in the background, the tries that are due (one per member at a time). */
    void pass() {
        EcSpec spec = served.get();
        if (spec == null) {
            return;
        }
        long now = settings.clock().millis();
        for (PStoreIo p : pstores) {
            for (BStore b : p.members()) {
                Key key = new Key(p.index(), b.index);
                if (!b.failed()) {
                    if (b.usable()) {
                        attempts.remove(key);
                        nextAt.remove(key);
                    }
                    continue;
                }
                // Where its node serves it now (a restarted node may listen elsewhere).
                LegTarget want = spec.pstores().get(p.index()).get(b.index);
                if (!wanted(want, b) || now < nextAt.getOrDefault(key, 0L) || !trying.add(key)) {
                    continue;
                }
                int n = attempts.merge(key, 1, Integer::sum);
                nextAt.put(key, now + (settings.retryEvery().toMillis() << Math.min(n - 1, MAX_BACK_OFF)));
                try {
                    background.execute(() -> {
                        try {
                            attempt(p, b, want);
                        } finally {
                            trying.remove(key);
                        }
                    });
                } catch (RejectedExecutionException e) {
                    trying.remove(key); // the volume is being closed
                    return;
                }
            }
        }
    }

    /** Whether {@code want} is still {@code b}'s extent, not being rebuilt elsewhere (else a reprotect's). */
    private static boolean wanted(LegTarget want, BStore b) {
        return !want.kept() && want.extentId().equals(b.target.extentId());
    }

    /** One try at bringing {@code failed} back, at {@code want}. */
    private void attempt(PStoreIo p, BStore failed, LegTarget want) {
        LegIo io;
        try {
            io = connector.connect(want);
        } catch (IOException e) {
            log.debug("{}: {} still does not answer: {}", p.describe(), failed, e.getMessage());
            return;
        }
        BStore joining = BStore.catchingUp(failed.index, want);
        try {
            ByteBuffer header = ByteBuffer.allocate(PStoreHeader.BYTES);
            LegIo.await(io.read(0, header.duplicate()), settings.legTimeout());
            Optional<String> wrong = PStoreAssembly.problem(PStoreHeader.decode(header), p, failed.index, volumeId);
            if (wrong.isPresent()) {
                log.warn("{}: {} answers again but stays failed: {}", p.describe(), failed, wrong.get());
                io.close();
                return;
            }
            joining.connected(io);
            if (!admit(p, failed, joining)) {
                joining.close();
                return;
            }
        } catch (IOException e) {
            log.debug("{}: {} answers again but not its header: {}", p.describe(), failed, e.getMessage());
            io.close();
            return;
        } catch (InterruptedException e) {
            io.close();
            Thread.currentThread().interrupt();
            return;
        }
        failed.close();
        log.info("{}: {} answers again: taking writes, catching up", p.describe(), joining);
        if (MemberChanges.catchUpOrFail(p, joining)) {
            p.counters.rejoinedMembers.increment();
        }
    }

    /**
     * Puts {@code joining} in the place of {@code failed} if the volume is still served, {@code
     * failed} is still the member there and the controller still wants its extent there (not
     * rebuilt elsewhere: a reprotect's change of members happens under the same lock); whether it
     * did.
     */
    @SuppressWarnings("ReferenceEquality") // this very member, not an equal one
    private boolean admit(PStoreIo p, BStore failed, BStore joining) {
        synchronized (lock) {
            EcSpec spec = served.get();
            if (spec == null
                    || p.members().get(failed.index) != failed
                    || !wanted(spec.pstores().get(p.index()).get(failed.index), failed)) {
                return false;
            }
            p.replace(joining);
            return true;
        }
    }
}
