package dev.cairn.legs.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.testkit.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResyncThrottleTest {
    private final FakeClock clock = new FakeClock();
    private final List<Duration> pauses = new ArrayList<>();

    private ResyncThrottle throttle(long rate) {
        return new ResyncThrottle(
                clock,
                d -> {
                    pauses.add(d);
                    clock.advance(d);
                },
                rate);
    }

    private Duration elapsedSince(Instant start) {
        return Duration.between(start, clock.instant());
    }

    @Test
    void withoutACapNothingWaits() throws Exception {
        ResyncThrottle t = throttle(0);
        Instant start = clock.instant();
        for (int i = 0; i < 100; i++) {
            t.acquire(1 << 30);
        }
        assertThat(pauses).isEmpty();
        assertThat(clock.instant()).isEqualTo(start);
    }

    @Test
    void bytesTakeTheirShareOfASecondAtTheCap() throws Exception {
        ResyncThrottle t = throttle(1_000_000);
        Instant start = clock.instant();
        t.acquire(250_000);
        assertThat(elapsedSince(start)).isEqualTo(Duration.ofMillis(250));
        t.acquire(1_000_000);
        assertThat(elapsedSince(start)).isEqualTo(Duration.ofMillis(1250));
        assertThat(pauses).allSatisfy(p -> assertThat(p).isLessThanOrEqualTo(Duration.ofMillis(50)));
    }

    @Test
    void timeSpentIdleIsNotSavedUpForABurst() throws Exception {
        ResyncThrottle t = throttle(1_000_000);
        t.acquire(100_000);
        clock.advance(Duration.ofSeconds(30));
        Instant start = clock.instant();
        t.acquire(500_000);
        assertThat(elapsedSince(start)).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void aNewRateAppliesToTheNextAcquire() throws Exception {
        ResyncThrottle t = throttle(1_000_000);
        t.acquire(1_000_000);
        t.rate(4_000_000);
        Instant start = clock.instant();
        t.acquire(1_000_000);
        assertThat(elapsedSince(start)).isEqualTo(Duration.ofMillis(250));
        t.rate(0);
        start = clock.instant();
        t.acquire(1_000_000);
        assertThat(elapsedSince(start)).isZero();
        assertThat(t.rate()).isZero();
    }

    @Test
    void liftingTheCapReleasesAnAcquireThatIsWaiting() throws Exception {
        ResyncThrottle[] t = new ResyncThrottle[1];
        t[0] = new ResyncThrottle(
                clock,
                d -> {
                    pauses.add(d);
                    clock.advance(d);
                    t[0].rate(0); // the controller lifts the cap while this acquire waits
                },
                1_000);
        Instant start = clock.instant();
        t[0].acquire(1_000_000); // 1000 s at the old rate
        assertThat(pauses).hasSize(1);
        assertThat(elapsedSince(start)).isEqualTo(Duration.ofMillis(ResyncThrottle.SLICE_MILLIS));
    }

    @Test
    void loweringTheCapWhileWaitingMakesTheAcquireStartOverAtTheNewRate() throws Exception {
        ResyncThrottle[] t = new ResyncThrottle[1];
        t[0] = new ResyncThrottle(
                clock,
                d -> {
                    clock.advance(d);
                    if (t[0].rate() == 1_000_000) {
                        t[0].rate(100_000);
                    }
                },
                1_000_000);
        Instant start = clock.instant();
        t[0].acquire(100_000); // 100 ms at first; after one 50 ms slice, 1 s at the new rate
        assertThat(elapsedSince(start)).isEqualTo(Duration.ofMillis(1050));
    }

    @Test
    void aNegativeRateIsRefusedAndTheOldOneKept() {
        ResyncThrottle t = throttle(5);
        assertThatThrownBy(() -> t.rate(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got -1");
        assertThat(t.rate()).isEqualTo(5);
    }

    @Test
    void nanosForRoundsUpAndDoesNotOverflow() {
        assertThat(ResyncThrottle.nanosFor(1, 3)).isEqualTo(333_333_334L);
        assertThat(ResyncThrottle.nanosFor(3, 3)).isEqualTo(1_000_000_000L);
        assertThat(ResyncThrottle.nanosFor(Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(1_000_000_000L);
        assertThat(ResyncThrottle.nanosFor(Long.MAX_VALUE - 1, Long.MAX_VALUE)).isEqualTo(1_000_000_000L);
        assertThat(ResyncThrottle.nanosFor(Long.MAX_VALUE, 1)).isPositive();
    }
}
