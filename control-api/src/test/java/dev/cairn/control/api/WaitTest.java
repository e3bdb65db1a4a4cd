package dev.cairn.control.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link Wait} on a fake clock whose pauses move it, so nothing here waits. */
class WaitTest {
    private long now;
    private final List<Duration> pauses = new ArrayList<>();
    private final Wait wait = new Wait(() -> now, d -> {
        pauses.add(d);
        now += d.toNanos();
    });

    @Test
    void theFirstAnswerIsReturnedAfterAPauseBetweenEachQuestion() throws Exception {
        int[] asked = {0};
        Optional<String> answer = wait.forAnswer(Duration.ofSeconds(10), () -> {
            asked[0]++;
            return asked[0] == 4 ? Optional.of("ready") : Optional.empty();
        });
        assertThat(answer).contains("ready");
        assertThat(asked[0]).isEqualTo(4);
        assertThat(pauses).containsExactly(Wait.EVERY, Wait.EVERY, Wait.EVERY);
    }

    @Test
    void noAnswerWithinTheTimeoutIsEmptyOnceTheTimeIsUp() throws Exception {
        int[] asked = {0};
        Optional<String> answer = wait.forAnswer(Duration.ofSeconds(1), Duration.ofMillis(300), () -> {
            asked[0]++;
            return Optional.empty();
        });
        assertThat(answer).isEmpty();
        // Asked at 0, 300, 600, 900 and 1,200 ms: the last question is after the deadline.
        assertThat(asked[0]).isEqualTo(5);
        assertThat(pauses).hasSize(4).allMatch(Duration.ofMillis(300)::equals);
        assertThat(Duration.ofNanos(now)).isEqualTo(Duration.ofMillis(1_200));
    }

    @Test
    void aZeroTimeoutAsksUntilTheClockIsPastIt() throws Exception {
        assertThat(wait.until(Duration.ZERO, () -> true)).isTrue();
        assertThat(pauses).isEmpty();
        // A question at the deadline itself is still in time; the one after a pause is not.
        int[] asked = {0};
        assertThat(wait.until(Duration.ZERO, () -> ++asked[0] < 0)).isFalse();
        assertThat(asked[0]).isEqualTo(2);
        assertThat(pauses).containsExactly(Wait.EVERY);
    }

    @Test
    void aTimeoutTooLongToCountInNanosecondsWaitsForTheAnswer() throws Exception {
        now = Long.MAX_VALUE - 1_000; // the deadline's sum wraps: compared as a difference still
        int[] asked = {0};
        Optional<Integer> answer = wait.forAnswer(Duration.ofDays(999_999_999), () -> {
            asked[0]++;
            return asked[0] == 3 ? Optional.of(asked[0]) : Optional.empty();
        });
        assertThat(answer).contains(3);
        assertThat(pauses).containsExactly(Wait.EVERY, Wait.EVERY);
    }

    @Test
    void aQuestionThatFailsEndsTheWaitWithItsError() {
        assertThatThrownBy(() -> wait.until(Duration.ofSeconds(5), () -> {
                    throw new IOException("controller unreachable");
                }))
                .isInstanceOf(IOException.class)
                .hasMessage("controller unreachable");
        assertThat(pauses).isEmpty();
    }
}
