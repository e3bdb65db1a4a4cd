package dev.cairn.dkv;

import static dev.cairn.dkv.Linearizability.ABSENT;
import static dev.cairn.dkv.Linearizability.Kind.GET;
import static dev.cairn.dkv.Linearizability.Kind.PUT;
import static dev.cairn.dkv.Linearizability.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.dkv.Linearizability.Op;
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
}
