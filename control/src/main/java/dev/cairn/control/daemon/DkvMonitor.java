package dev.cairn.control.daemon;

import dev.cairn.control.api.CrashPoints;
import dev.cairn.control.api.Views;
import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.rest.DkvViews;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.DkvPlanner;
import dev.cairn.control.state.Outcome;
import dev.cairn.control.state.ReplicatedState;
import dev.cairn.control.state.Secrets;
import dev.cairn.dkv.ControlledDkv;
import dev.cairn.dkv.DkvObserver;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DKV loop, on the leader only, like the repair loop: each pass asks {@link DkvPlanner} what
 * the DKV needs (its first shard, a fresh mirror for each one whose node left) and proposes it, then
 * recovers every shard that can be: it copies, slot by slot, the greatest version any mirror holds
 * onto every mirror (as a DKV client of its own, over NBD), and only then logs the shard recovered.
 * Nothing is remembered between passes: a leader that dies mid-copy leaves the shard recovering,
 * and the next leader copies it again (a copy is idempotent: every mirror keeps the greater version).
 */
public final class DkvMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DkvMonitor.class);
    /** The longest one shard's recovery may take before the pass gives up on it (it is tried again). */
    private static final Duration RECOVERY_TIMEOUT = Duration.ofMinutes(2);

    private final ReplicatedState state;
    private final InstantSource clock;
    private final Command.DkvPlacement placement;
    private final long periodMillis;
    private final ControlledDkv dkv;
    private final LongConsumer onRecovered;
    private long lastPass = -1;
    private String lastRefusal = "";
    private List<String> lastWaiting = List.of();

    /**
     * {@code onRecovered} is told the bytes written by every shard recovered, {@code observer} the
     * work of the controller's DKV client (both for metrics).
     */
    public DkvMonitor(
            ReplicatedState state,
            InstantSource clock,
            Command.DkvPlacement placement,
            Duration period,
            Duration ioTimeout,
            LongConsumer onRecovered,
            DkvObserver observer) {
        this.state = state;
        this.clock = clock;
        this.placement = placement;
        this.periodMillis = period.toMillis();
        this.onRecovered = onRecovered;
        this.dkv = new ControlledDkv(
                () -> state.read(s -> DkvViews.of(s, true)), new SecureRandom().nextLong(), ioTimeout, observer);
    }

    /** Called often: a pass at once when this peer starts leading, then one every period. */
    public synchronized void tick() throws IOException {
        if (!state.isLeader()) {
            lastPass = -1;
            return;
        }
        long now = clock.millis();
        if (lastPass >= 0 && now - lastPass < periodMillis) {
            return;
        }
        lastPass = now;
        check();
    }

    /** One pass: proposes what the DKV needs, then recovers what can be; returns the shards recovered. */
    public synchronized List<Integer> check() throws IOException {
        if (!state.isLeader()) {
            return List.of();
        }
        long now = clock.millis();
        DkvPlanner.Plan plan =
                state.read(s -> DkvPlanner.plan(s, placement, UUID::randomUUID, Secrets::newSecret, now));
        if (!plan.waiting().equals(lastWaiting)) {
            plan.waiting().forEach(w -> log.warn("DKV: {}", w));
            lastWaiting = plan.waiting();
        }
        for (Command c : plan.commands()) {
            Outcome o = state.submit(c);
            switch (c) {
                case Command.ReserveDkvKeys r
                when o.isOk() ->
                    log.info(
                            "DKV: first shard placed ({} mirrors)",
                            r.placement().mirrors());
                case Command.ReplaceDkvMirror r
                when o.isOk() ->
                    log.info(
                            "DKV shard {}: mirror {} (its node left) replaced by {}, to be recovered",
                            r.shard(),
                            r.extentId(),
                            r.newExtentId());
                default -> refused(c, o);
            }
        }
        List<Integer> recoverable = state.read(DkvPlanner::recoverable);
        for (int shard : recoverable) {
            recover(shard);
        }
        return recoverable;
    }

    private void refused(Command c, Outcome o) {
        String why = c.getClass().getSimpleName() + ": " + o.message();
        if (!why.equals(lastRefusal)) {
            log.warn("DKV: {} not done: {}", c instanceof Command.ReserveDkvKeys ? "first shard" : "a repair", why);
            lastRefusal = why;
        }
    }

    private void recover(int shard) throws IOException {
        Views.DkvView view = state.read(s -> DkvViews.of(s, true));
        CrashPoints.reach("dkv-recovery-copy");
        log.info("DKV shard {}: every mirror reported at epoch {}; copying the slots they lack", shard, view.epoch());
        long started = clock.millis();
        long slots;
        try {
            slots = dkv.recover(view, shard).get(RECOVERY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while recovering DKV shard " + shard);
        } catch (ExecutionException | TimeoutException e) {
            log.warn("DKV shard {}: recovery at epoch {} failed, tried again: {}", shard, view.epoch(), e.toString());
            return;
        }
        CrashPoints.reach("dkv-recovery-copied");
        Outcome o = state.submit(new Command.DkvShardRecovered(shard, view.epoch(), clock.millis()));
        if (o.isOk()) {
            onRecovered.accept(slots * DkvLayout.SLOT_BYTES);
            log.info(
                    "DKV shard {}: recovered at epoch {} ({} slots written, copied in {} ms)",
                    shard,
                    view.epoch(),
                    slots,
                    clock.millis() - started);
        } else {
            log.info("DKV shard {}: recovered at epoch {}, but {}", shard, view.epoch(), o.message());
        }
    }

    @Override
    public void close() {
        dkv.close();
    }
}
