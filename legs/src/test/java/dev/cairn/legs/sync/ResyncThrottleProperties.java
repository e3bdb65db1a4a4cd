package dev.cairn.legs.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.testkit.FakeClock;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/**
 * On a fake clock, bytes acquired back to back take their count over the rate: never less (the
 * cap holds), and no more than a nanosecond per acquire (each rounds its share up).
 */
class ResyncThrottleProperties {

    @Property(tries = 300, seed = "20261121")
    void bytesTakeTheirCountOverTheRate(
            @ForAll @LongRange(min = 1, max = 10_000_000_000L) long rate,
            @ForAll @Size(min = 1, max = 40) List<@LongRange(min = 0, max = 2_000_000) Long> millionthsOfRate)
            throws Exception {
        FakeClock clock = new FakeClock();
        ResyncThrottle throttle = new ResyncThrottle(clock, clock::advance, rate);
        Instant start = clock.instant();
        long total = 0;
        for (long m : millionthsOfRate) {
            // up to 2 s worth each (at most 2e16 bytes), and a single byte now and then
            long bytes = Math.max(m % 7 == 0 ? 1 : 0, rate * m / 1_000_000);
            throttle.acquire(bytes);
            total += bytes;
        }
        BigInteger elapsed =
                BigInteger.valueOf(Duration.between(start, clock.instant()).toNanos());
        BigInteger exactTimesRate = BigInteger.valueOf(total).multiply(BigInteger.valueOf(1_000_000_000L));
        BigInteger rateBig = BigInteger.valueOf(rate);
        assertThat(elapsed.multiply(rateBig)).as("never faster than the cap").isGreaterThanOrEqualTo(exactTimesRate);
        assertThat(elapsed.subtract(BigInteger.valueOf(millionthsOfRate.size())).multiply(rateBig))
                .as("no slower than the cap, but for rounding")
                .isLessThanOrEqualTo(exactTimesRate);
    }

    @Property(tries = 100, seed = "20261121")
    void withoutACapTheClockNeverMoves(@ForAll @Size(max = 40) List<@LongRange(min = 0, max = 1L << 40) Long> acquires)
            throws Exception {
        FakeClock clock = new FakeClock();
        ResyncThrottle throttle = new ResyncThrottle(clock, clock::advance, 0);
        Instant start = clock.instant();
        for (long bytes : acquires) {
            throttle.acquire(bytes);
        }
        assertThat(clock.instant()).isEqualTo(start);
    }
}
