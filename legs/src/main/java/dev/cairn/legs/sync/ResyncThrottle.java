package dev.cairn.legs.sync;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * Caps the bytes that every resync of one agent copies, all volumes together (the controller's
 * {@code syncBytesPerSecond}; 0 is no cap). A copy worker {@link #acquire acquires} a region's
 * bytes before it copies the region (a region the source holds as a hole is not charged).
 *
 * <p>It keeps one instant, the end of the last reservation: an acquire of {@code n} bytes reserves
 * the next {@code n / rate} seconds after it (or after now, if that is later) and returns when its
 * reservation ends. So {@code N} bytes acquired back to back take {@code N / rate} seconds, and no
 * window of time ever sees more than the rate allows plus one acquire; there is no burst to save up
 * while nothing syncs. Waits are cut into slices of at most {@value #SLICE_MILLIS} ms, and a rate
 * change makes every waiting acquire start over at the new rate, so raising (or lifting) the cap
 * takes effect at once. Time and the wait are injected, so tests run on a fake clock.
 *
 * <p>Thread-safe: the state is under this object's monitor; nobody waits while holding it.
 */
public final class ResyncThrottle {
    static final long SLICE_MILLIS = 50;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    /** How a worker waits: {@link Thread#sleep} in the agent, moving a fake clock in tests. */
    public interface Pause {
        void pause(Duration duration) throws InterruptedException;
    }

    private final InstantSource clock;
    private final Pause pause;
    private long bytesPerSecond;
    /** Bumped by every rate change: an acquire waiting under an older rate starts over. */
    private long rateChanges;
    /** Nanoseconds (clock time) at which the last reservation ends. */
    private long reservedUntil = Long.MIN_VALUE;

    public ResyncThrottle(InstantSource clock, Pause pause, long bytesPerSecond) {
        this.clock = clock;
        this.pause = pause;
        this.bytesPerSecond = checked(bytesPerSecond);
    }

    /** No cap (until {@link #rate(long)} sets one), waiting on the system clock. */
    public static ResyncThrottle unlimited() {
        return new ResyncThrottle(InstantSource.system(), Thread::sleep, 0);
    }

    private static long checked(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException(
                    "a resync rate is 0 (no cap) or a positive number of bytes per second, got " + bytesPerSecond);
        }
        return bytesPerSecond;
    }

    /** Sets the cap (0: none); acquires from now on, and those waiting, use it. */
    public synchronized void rate(long newBytesPerSecond) {
        long r = checked(newBytesPerSecond);
        if (r != bytesPerSecond) {
            bytesPerSecond = r;
            rateChanges++;
            reservedUntil = Long.MIN_VALUE;
        }
    }

    public synchronized long rate() {
        return bytesPerSecond;
    }

    /** Waits until {@code bytes} more may be copied. Returns at once without a cap. */
    public void acquire(long bytes) throws InterruptedException {
        if (bytes <= 0) {
            return;
        }
        while (true) {
            long until;
            long asOf;
            synchronized (this) {
                if (bytesPerSecond == 0) {
                    return;
                }
                until = Math.max(reservedUntil, now()) + nanosFor(bytes, bytesPerSecond);
                reservedUntil = until;
                asOf = rateChanges;
            }
            if (waitUntil(until, asOf)) {
                return;
            }
        }
    }

    /** Waits until {@code until}; false if the rate changed meanwhile (the caller reserves again). */
    private boolean waitUntil(long until, long asOf) throws InterruptedException {
        while (true) {
            long left;
            synchronized (this) {
                if (rateChanges != asOf) {
                    return false;
                }
                left = until - now();
            }
            if (left <= 0) {
                return true;
            }
            pause.pause(Duration.ofNanos(Math.min(left, SLICE_MILLIS * 1_000_000)));
        }
    }

    /** Nanoseconds that {@code bytes} take at {@code rate}, rounded up (never faster than the cap). */
    static long nanosFor(long bytes, long rate) {
        long whole = bytes / rate;
        long rest = bytes % rate;
        if (whole >= Long.MAX_VALUE / NANOS_PER_SECOND / 2) {
            return Long.MAX_VALUE / 2; // centuries: as good as never
        }
        long restNanos = rest <= Long.MAX_VALUE / NANOS_PER_SECOND
                ? Math.ceilDiv(rest * NANOS_PER_SECOND, rate)
                : (long) Math.ceil((double) rest * NANOS_PER_SECOND / rate);
        return whole * NANOS_PER_SECOND + restNanos;
    }

    private long now() {
        Instant t = clock.instant();
        return t.getEpochSecond() * NANOS_PER_SECOND + t.getNano();
    }
}
