package dev.cairn.control.api;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A daemon's session with the controller, the same for storage nodes and client agents: one
 * virtual thread heartbeats (every interval, and soon after the daemon says something changed),
 * another long-polls the daemon's desired state and hands each newer one over. Both go on with
 * backoff ({@link Backoff}: the first failure of a run logged, then the recovery) while no
 * controller answers, and the {@link ControlClient} fails over across the controller's peers. An
 * answer older than one already seen (from a peer that lags behind) is ignored.
 *
 * <p>Each loop is one step called over and over ({@link #beatOnce}, {@link #pollOnce}); pauses go
 * through the injected {@link Backoff.Sleeper}, so a test drives the steps on a fake clock.
 *
 * @param <D> the desired state the daemon long-polls
 */
public final class ControllerSession<D extends Versioned> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControllerSession.class);

    /** What the daemon does in the session. */
    public interface Member<D> {
        /** Sends one heartbeat (registering first when it must). */
        void heartbeat(ControlClient control) throws ControlException;

        /** The desired state once it changed after {@code after}, waiting up to {@code wait}. */
        D desired(ControlClient control, long after, Duration wait) throws ControlException;

        /** Converges on {@code desired}; false when something failed and the state must be fetched again. */
        boolean apply(D desired);

        /** The controller answered a heartbeat with 404: it does not know this daemon (any more). */
        default void forgotten() {}
    }

    /**
     * How the session runs.
     *
     * @param name what the threads are called after ({@code cairn-node}, {@code agent})
     * @param heartbeatEvery how often the daemon reports
     * @param pollWait how long one long poll may wait for a change
     * @param coalesce how long a heartbeat asked for waits for more changes to go out with it
     */
    public record Settings(String name, Duration heartbeatEvery, Duration pollWait, Duration coalesce) {}

    private final ControlClient control;
    private final Member<D> member;
    private final Settings settings;
    private final Backoff.Sleeper sleeper;
    private final Backoff beatBackoff;
    private final Backoff pollBackoff;
    private final Semaphore reportNow = new Semaphore(0);
    private final Thread heartbeats;
    private final Thread polling;
    private volatile boolean closed;
    /** The poll thread's: the index the next long poll asks for changes after. */
    private long after = -1;
    /** The poll thread's: the highest applied index seen; an older answer is ignored. */
    private long newestSeen = -1;

    public ControllerSession(ControlClient control, Member<D> member, Settings settings, Backoff.Sleeper sleeper) {
        this.control = control;
        this.member = member;
        this.settings = settings;
        this.sleeper = sleeper;
        this.beatBackoff = new Backoff(log, sleeper);
        this.pollBackoff = new Backoff(log, sleeper);
        this.heartbeats =
                Thread.ofVirtual().name(settings.name() + "-heartbeat").unstarted(this::heartbeatLoop);
        this.polling = Thread.ofVirtual().name(settings.name() + "-desired").unstarted(this::pollLoop);
    }

    /** With real sleeps. */
    public ControllerSession(ControlClient control, Member<D> member, Settings settings) {
        this(control, member, settings, Thread::sleep);
    }

    public void start() {
        heartbeats.start();
        polling.start();
    }

    /**
     * Something the heartbeat reports changed: send one soon rather than at the next interval. It
     * does not cut a backoff short: a daemon cut off from the controller whose state keeps changing
     * (a fenced agent's legs failing over and over) would otherwise retry many times a second.
     */
    public void reportSoon() {
        reportNow.release();
    }

    private boolean running() {
        return !closed && !Thread.currentThread().isInterrupted();
    }

    private void heartbeatLoop() {
        while (running()) {
            if (!beatOnce()) {
                continue; // the backoff paused already
            }
            try {
                if (reportNow.tryAcquire(settings.heartbeatEvery().toMillis(), TimeUnit.MILLISECONDS)) {
                    sleeper.sleep(settings.coalesce()); // let a burst of changes go out as one report
                    reportNow.drainPermits();
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One heartbeat; after a failure, the backoff's pause. True if the controller took it. */
    boolean beatOnce() {
        try {
            member.heartbeat(control);
            beatBackoff.reset();
            return true;
        } catch (ControlException e) {
            if (!running()) {
                return false;
            }
            if (e.status() == 404) {
                member.forgotten();
            }
            beatBackoff.pause("heartbeat to the controller", e);
            reportNow.drainPermits(); // what changed meanwhile goes out with the next heartbeat anyway
            return false;
        }
    }

    private void pollLoop() {
        while (running()) {
            pollOnce();
        }
    }

    /**
     * One long poll, and what follows: a newer desired state is handed over (a failed convergence
     * fetches again after a pause), an older one ignored, a failure paused on.
     */
    void pollOnce() {
        D desired;
        try {
            desired = member.desired(control, after, settings.pollWait());
        } catch (ControlException e) {
            if (running()) {
                pollBackoff.pause("fetching the desired state", e);
            }
            return;
        }
        if (desired.appliedIndex() < newestSeen) {
            log.debug("ignoring a desired state as of {} (already saw {})", desired.appliedIndex(), newestSeen);
            return;
        }
        newestSeen = desired.appliedIndex();
        if (member.apply(desired)) {
            after = desired.changedAt();
            pollBackoff.reset();
        } else {
            after = -1; // something failed: fetch again (after a pause) and retry
            pollBackoff.pause("converging on the desired state", null);
        }
    }

    @Override
    public void close() {
        closed = true;
        heartbeats.interrupt();
        polling.interrupt();
        try {
            heartbeats.join(Duration.ofSeconds(10));
            polling.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
