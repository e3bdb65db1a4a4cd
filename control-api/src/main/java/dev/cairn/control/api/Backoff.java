package dev.cairn.control.api;

import java.time.Duration;
import org.slf4j.Logger;

/**
 * Pauses between failed attempts to reach the controller, for the loops of nodes and agents: 200
 * ms, doubling to 5 s, back to nothing after a success. It logs the first failure of a run (WARN)
 * and the recovery (INFO), not every retry. One per loop; not thread-safe.
 */
public final class Backoff {
    public static final Duration FIRST = Duration.ofMillis(200);
    public static final Duration MAX = Duration.ofSeconds(5);

    /** How a pause is taken: {@link Thread#sleep} in the daemons, a fake clock in tests. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    private final Logger log;
    private final Sleeper sleeper;
    private Duration next = Duration.ZERO;

    public Backoff(Logger log, Sleeper sleeper) {
        this.log = log;
        this.sleeper = sleeper;
    }

    /** With real sleeps. */
    public Backoff(Logger log) {
        this(log, Thread::sleep);
    }

    /** The last attempt succeeded. */
    public void reset() {
        if (failing()) {
            log.info("controller reachable again");
        }
        next = Duration.ZERO;
    }

    /** Whether the last attempt failed (and the next one waits for it). */
    public boolean failing() {
        return next.isPositive();
    }

    /**
     * The attempt at {@code what} failed (with {@code e}, or for a reason logged elsewhere when
     * null): pauses, each time twice as long up to {@link #MAX}. An interrupt (the loop closing)
     * ends the pause and stays set for the loop to see.
     */
    public void pause(String what, Exception e) {
        if (!failing() && e != null) {
            log.warn("{}: {} (retrying with backoff up to {} s)", what, e.getMessage(), MAX.toSeconds());
        }
        next = failing() ? min(next.multipliedBy(2), MAX) : FIRST;
        try {
            sleeper.sleep(next);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }
}
