package dev.cairn.control.api;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Waiting for something another process does (a volume to become available, a node to go
 * offline, a daemon to answer): asks every {@link #EVERY} until the answer comes or the time is
 * up. The one such loop of the CLI, the demo and the local cluster; the clock and the pause are
 * injected so that it is tested without waiting.
 */
public final class Wait {
    /** How often a condition is asked again. */
    public static final Duration EVERY = Duration.ofMillis(100);

    /** A question that may not have its answer yet. */
    @FunctionalInterface
    public interface Probe<T> {
        Optional<T> poll() throws IOException;
    }

    /** A condition that may not hold yet. */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws IOException;
    }

    private static final Wait REAL = new Wait(System::nanoTime, Thread::sleep);

    private final LongSupplier nanoTime;
    private final Backoff.Sleeper sleeper;

    /** With {@code nanoTime} as the clock and {@code sleeper} taking the pauses (a test's fake ones). */
    public Wait(LongSupplier nanoTime, Backoff.Sleeper sleeper) {
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
    }

    /** On the real clock. */
    public static Wait real() {
        return REAL;
    }

    /** The first answer {@code probe} gives within {@code timeout} (asked at least once), else empty. */
    public <T> Optional<T> forAnswer(Duration timeout, Probe<T> probe) throws IOException, InterruptedException {
        return forAnswer(timeout, EVERY, probe);
    }

    /** As {@link #forAnswer(Duration, Probe)}, asking every {@code every} instead. */
    public <T> Optional<T> forAnswer(Duration timeout, Duration every, Probe<T> probe)
            throws IOException, InterruptedException {
        // A timeout past what nanoseconds count (292 years) is no limit: waited as the longest one.
        long limit = timeout.compareTo(Duration.ofNanos(Long.MAX_VALUE)) < 0 ? timeout.toNanos() : Long.MAX_VALUE;
        long deadline = nanoTime.getAsLong() + limit;
        while (true) {
            Optional<T> answer = probe.poll();
            if (answer.isPresent() || nanoTime.getAsLong() - deadline > 0) {
                return answer;
            }
            sleeper.sleep(every);
        }
    }

    /** Whether {@code condition} comes to hold within {@code timeout} (asked at least once). */
    public boolean until(Duration timeout, Condition condition) throws IOException, InterruptedException {
        return forAnswer(timeout, () -> condition.holds() ? Optional.of(true) : Optional.empty())
                .isPresent();
    }
}
