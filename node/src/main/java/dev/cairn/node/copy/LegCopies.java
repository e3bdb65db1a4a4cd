package dev.cairn.node.copy;

import dev.cairn.control.api.BStoreRebuild;
import dev.cairn.control.api.Requests;
import dev.cairn.control.api.Views;
import dev.cairn.drive.Extent;
import dev.cairn.legs.io.LegConnector;
import dev.cairn.legs.sync.ResyncThrottle;
import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The copies this node makes, as the controller asks for them in the node's desired state: of its
 * legs of detached volumes ({@link CopyJob}) and of the BStores it rebuilds ({@link RebuildJob}),
 * one virtual thread each, started when a copy appears, interrupted when it disappears (the volume
 * was attached, the leg taken back or removed, the rebuild ended) or changes (its generation). All
 * of them together copy no faster than the controller's repair bandwidth ({@code
 * copyBytesPerSecond}). Their progress goes out with the heartbeats.
 *
 * <p>Nothing is kept on the node: a leg's copy that is stopped or dies with the node goes on from
 * its leg's fill record the next time it is asked for (by this node or by the agent); a rebuild
 * starts again.
 */
public final class LegCopies implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LegCopies.class);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration LAST_RETRY = Duration.ofSeconds(16);

    /**
     * What copies need from their node: its extents (for the leg being copied), the threads that
     * do its block I/O, how to reach other nodes' legs (giving up on a handshake after the probe
     * timeout), the throttle all copies share, how long a leg may take to answer a copy's request
     * and to show its header, and how many regions one copy moves at once.
     */
    public record Context(
            Function<UUID, Optional<Extent>> extents,
            Executor io,
            LegConnector connector,
            ResyncThrottle throttle,
            Duration timeout,
            Duration probeTimeout,
            int workers) {}

    /** One copy: an attempt at it, and what it is for logs. */
    interface Job {
        CopyJob.Outcome attempt() throws IOException, InterruptedException;

        String describe();
    }

    private final Context context;
    private final InstantSource clock;
    private final Runnable onChange;
    /** By the leg's extent id; only {@link #update} and {@link #close} change it. */
    private final Map<UUID, Running> running = new HashMap<>();

    /** {@code job}: what the controller asked for (a {@link Views.LegCopy} or a {@link BStoreRebuild}). */
    private record Running(Object job, CopyProgress progress, Thread thread) {}

    public LegCopies(Context context, InstantSource clock, Runnable onChange) {
        this.context = context;
        this.clock = clock;
        this.onChange = onChange;
    }

    /** Brings the running copies to {@code wanted}, copying at most {@code bytesPerSecond} (0: no cap). */
    public synchronized void update(List<Views.LegCopy> wanted, long bytesPerSecond) {
        update(wanted, List.of(), bytesPerSecond);
    }

    /**
     * Brings the running copies to {@code wanted} and the running rebuilds to {@code rebuilds},
     * copying at most {@code bytesPerSecond} (0: no cap).
     */
    public synchronized void update(List<Views.LegCopy> wanted, List<BStoreRebuild> rebuilds, long bytesPerSecond) {
        try {
            context.throttle().rate(bytesPerSecond);
        } catch (IllegalArgumentException e) {
            log.error(
                    "copy rate left at {} bytes per second: {}",
                    context.throttle().rate(),
                    e.getMessage());
        }
        Map<UUID, Object> byExtent = new HashMap<>();
        wanted.forEach(j -> byExtent.put(j.extentId(), j));
        rebuilds.forEach(j -> byExtent.put(j.extentId(), j));
        for (Map.Entry<UUID, Running> r : List.copyOf(running.entrySet())) {
            Object still = byExtent.get(r.getKey());
            if (still == null || !still.equals(r.getValue().job())) {
                r.getValue().thread().interrupt();
                running.remove(r.getKey());
                log.info(
                        "copy into extent {} stopped ({})",
                        r.getKey(),
                        still == null ? "no longer asked for" : "asked for again, changed");
            }
        }
        for (Views.LegCopy job : wanted) {
            if (!running.containsKey(job.extentId())) {
                start(job, job.extentId(), job.generation(), p -> new CopyJob(job, context, p));
            }
        }
        for (BStoreRebuild job : rebuilds) {
            if (!running.containsKey(job.extentId())) {
                start(job, job.extentId(), job.generation(), p -> new RebuildJob(job, context, p));
            }
        }
    }

    private void start(Object spec, UUID extentId, long generation, Function<CopyProgress, Job> make) {
        CopyProgress progress = new CopyProgress(extentId, generation, clock, onChange);
        Job copy;
        try {
            copy = make.apply(progress);
        } catch (IllegalArgumentException e) {
            progress.failed(e.getMessage());
            running.put(extentId, new Running(spec, progress, Thread.ofVirtual().unstarted(() -> {})));
            return;
        }
        Thread t = Thread.ofVirtual().name("copy-" + extentId).start(() -> run(copy, progress));
        running.put(extentId, new Running(spec, progress, t));
    }

    /** Attempts until done, backing off between attempts that wait or fail; ends when interrupted. */
    private static void run(Job copy, CopyProgress progress) {
        Duration pause = FIRST_RETRY;
        String waitingFor = "";
        while (!Thread.currentThread().isInterrupted()) {
            try {
                CopyJob.Outcome o = copy.attempt();
                if (o instanceof CopyJob.Outcome.Done) {
                    progress.done();
                    return; // reported DONE until the controller stops asking
                }
                String why = ((CopyJob.Outcome.Waiting) o).why();
                if (!why.equals(waitingFor)) { // once per reason, not once per attempt
                    log.info("{}: copy waits: {}", copy.describe(), why);
                    waitingFor = why;
                }
                progress.waiting(why);
            } catch (IOException | RuntimeException e) {
                log.warn("{}: copy failed, retrying: {}", copy.describe(), e.getMessage());
                progress.failed(String.valueOf(e.getMessage()));
            } catch (InterruptedException e) {
                return;
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                return;
            }
            pause = pause.multipliedBy(2).compareTo(LAST_RETRY) > 0 ? LAST_RETRY : pause.multipliedBy(2);
        }
    }

    /** Every copy asked for and how it goes. */
    public synchronized List<Requests.CopyReport> reports() {
        List<Requests.CopyReport> out = new ArrayList<>();
        running.values().forEach(r -> out.add(r.progress().report()));
        return out;
    }

    @Override
    public synchronized void close() {
        running.values().forEach(r -> r.thread().interrupt());
        for (Running r : running.values()) {
            try {
                r.thread().join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        running.clear();
    }
}
