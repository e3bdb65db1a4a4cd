package dev.cairn.control.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class BackoffTest {
    private final List<Long> pauses = new ArrayList<>();
    private final Backoff backoff =
            new Backoff(LoggerFactory.getLogger(BackoffTest.class), d -> pauses.add(d.toMillis()));

    @Test
    void pausesDoubleToFiveSecondsAndStartOverAfterASuccess() {
        assertThat(backoff.failing()).isFalse();
        for (int i = 0; i < 8; i++) {
            backoff.pause("heartbeat", new IOException("refused"));
        }
        assertThat(backoff.failing()).isTrue();
        backoff.reset();
        assertThat(backoff.failing()).isFalse();
        backoff.pause("heartbeat", null);
        assertThat(pauses).containsExactly(200L, 400L, 800L, 1600L, 3200L, 5000L, 5000L, 5000L, 200L);
    }

    @Test
    void anInterruptEndsThePauseAndStaysSet() {
        Backoff interrupted = new Backoff(LoggerFactory.getLogger(BackoffTest.class), d -> {
            throw new InterruptedException();
        });
        interrupted.pause("heartbeat", new IOException("refused"));
        assertThat(Thread.interrupted()).isTrue();
    }
}
