package dev.cairn.legs.sync;

import dev.cairn.testkit.FakeClock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A throttle's wait on a fake clock that lets a number of pauses pass (moving the clock) and then
 * holds every copy worker that must wait, until it is interrupted: a resync stopped half-way.
 */
public final class BlockingPause {
    public final FakeClock clock = new FakeClock();
    /** Workers held now. */
    public final AtomicInteger blocked = new AtomicInteger();

    private final AtomicInteger passes;

    public BlockingPause(int passes) {
        this.passes = new AtomicInteger(passes);
    }

    public ResyncThrottle throttle(long bytesPerSecond) {
        return new ResyncThrottle(
                clock,
                d -> {
                    if (passes.getAndDecrement() > 0) {
                        clock.advance(d);
                        return;
                    }
                    blocked.incrementAndGet();
                    try {
                        new CountDownLatch(1).await();
                    } finally {
                        blocked.decrementAndGet();
                    }
                },
                bytesPerSecond);
    }
}
