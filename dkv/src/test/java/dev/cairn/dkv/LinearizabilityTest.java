package dev.cairn.dkv;

import static dev.cairn.dkv.Linearizability.ABSENT;
import static dev.cairn.dkv.Linearizability.Kind.GET;
import static dev.cairn.dkv.Linearizability.Kind.PUT;
import static dev.cairn.dkv.Linearizability.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.cairn.dkv.Linearizability.Op;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LinearizabilityTest {
    @Test
    void sequentialHistories() {
        assertThat(Linearizability.check(List.of(new Op(GET, ABSENT, 0, 1)))).isTrue();
        assertThat(Linearizability.check(List.of(new Op(PUT, 1, 0, 1), new Op(GET, 1, 2, 3))))
                .isTrue();
        assertThat(Linearizability.check(List.of(new Op(PUT, 1, 0, 1), new Op(GET, ABSENT, 2, 3))))
                .isFalse();
        assertThat(Linearizability.check(
                        List.of(new Op(PUT, 1, 0, 1), new Op(PUT, ABSENT, 2, 3), new Op(GET, ABSENT, 4, 5))))
                .isTrue();
    }

    @Test
    void aLongHistoryIsCheckedWithoutRunningOutOfStack() {
        // The search goes one call deeper per operation: 20,000 overflowed the default stack.
        List<Op> history = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            history.add(new Op(PUT, i, 4L * i, 4L * i + 1));
            history.add(new Op(GET, i, 4L * i + 2, 4L * i + 3));
        }
        assertThat(Linearizability.check(history)).isTrue();
        history.add(new Op(GET, 3, 40_000, 40_001));
        assertThat(Linearizability.check(history)).isFalse();
    }

    @Test
    void aGetConcurrentWithAPutMaySeeEitherButReadsDoNotGoBack() {
        Op put = new Op(PUT, 7, 0, 10);
        assertThat(Linearizability.check(List.of(put, new Op(GET, 7, 1, 2), new Op(GET, 7, 3, 4))))
                .isTrue();
        assertThat(Linearizability.check(List.of(put, new Op(GET, ABSENT, 1, 2), new Op(GET, 7, 3, 4))))
                .isTrue();
        // The hazard the DKV rules out: a value seen, then gone again.
        assertThat(Linearizability.check(List.of(put, new Op(GET, 7, 1, 2), new Op(GET, ABSENT, 3, 4))))
                .isFalse();
    }

    @Test
    void aPutWhoseOutcomeIsUnknownMayTakeEffectOrNot() {
        Op lost = new Op(PUT, 5, 0, UNKNOWN);
        assertThat(Linearizability.check(List.of(lost, new Op(GET, ABSENT, 1, 2))))
                .isTrue();
        assertThat(Linearizability.check(List.of(lost, new Op(GET, 5, 100, 101))))
                .isTrue();
        assertThat(Linearizability.check(List.of(lost, new Op(GET, 5, 1, 2), new Op(GET, ABSENT, 3, 4))))
                .isFalse();
        // ...but not before it began.
        assertThat(Linearizability.check(List.of(new Op(GET, 5, 0, 1), new Op(PUT, 5, 2, UNKNOWN))))
                .isFalse();
    }

    @Test
    void concurrentPutsHaveOneWinnerThatEveryLaterGetSees() {
        Op a = new Op(PUT, 1, 0, 10);
        Op b = new Op(PUT, 2, 0, 10);
        assertThat(Linearizability.check(List.of(a, b, new Op(GET, 1, 11, 12), new Op(GET, 1, 13, 14))))
                .isTrue();
        assertThat(Linearizability.check(List.of(a, b, new Op(GET, 1, 11, 12), new Op(GET, 2, 13, 14))))
                .isFalse();
    }

    /**
     * A writer's rounds as {@code DkvClusterIT} records them while a mirror is down: each round's put
     * tried {@code retries} times without an answer (each may have taken effect), then acknowledged;
     * a reader's gets throughout, some of them seeing a round's value before its acknowledged put
     * (an earlier try took effect). Gets after the last acknowledgement read {@code last}.
     */
    private static List<Op> retriedRounds(int rounds, int retries, long last) {
        List<Op> history = new ArrayList<>();
        long t = 0;
        for (int r = 1; r <= rounds; r++) {
            for (int i = 0; i < retries; i++) {
                history.add(new Op(PUT, r, t, UNKNOWN));
                history.add(new Op(GET, i > 0 ? r : r > 1 ? r - 1 : ABSENT, t + 1, t + 2));
                t += 3;
            }
            history.add(new Op(PUT, r, t, t + 1));
            history.add(new Op(GET, r, t + 2, t + 3));
            t += 4;
        }
        history.add(new Op(GET, last, t, t + 1));
        return history;
    }

    @Test
    void longHistoriesOfRetriedPutsAreCheckedWithoutBlowingUp() {
        // Exponential in the unknown puts without the checker's reductions: this took minutes.
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            assertThat(Linearizability.check(retriedRounds(40, 8, 40))).isTrue();
            assertThat(Linearizability.check(retriedRounds(40, 8, 41)))
                    .as("a get of a value never put")
                    .isFalse();
            List<Op> early = retriedRounds(40, 8, 40);
            early.add(new Op(GET, 20, 5, 6));
            assertThat(Linearizability.check(early))
                    .as("a get of round 20's value during round 1")
                    .isFalse();
        });
    }
}
