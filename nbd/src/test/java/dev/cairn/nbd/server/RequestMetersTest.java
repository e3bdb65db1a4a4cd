package dev.cairn.nbd.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.nbd.client.NbdClient;
import dev.cairn.testkit.Patterns;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.EnumSet;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server tells a session's observer of every request it answers: from its workers and from the
 * reader (refused requests, empty reads), with the error it answered. Counted before the reply is
 * sent, so a client that has its reply sees the count.
 */
class RequestMetersTest extends ServerFixture {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private RequestMeters meters;

    @BeforeEach
    void observe() {
        meters = RequestMeters.register(
                registry,
                "cairn.test.nbd",
                Tags.of("volume", "v1"),
                EnumSet.of(RequestMeters.Op.READ, RequestMeters.Op.WRITE, RequestMeters.Op.FLUSH));
        exports.disks.get("disk").observer = meters;
    }

    private double count(String name, String... tags) {
        Counter c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private long timed(String op) {
        return registry.find("cairn.test.nbd.request.duration")
                .tags("op", op)
                .timer()
                .count();
    }

    @Test
    void countsRequestsBytesErrorsAndLatencyByOperation() throws Exception {
        try (NbdClient c = NbdClient.connect(address(), "disk")) {
            for (int i = 0; i < 5; i++) {
                c.write(i * 65536L, Patterns.random(65536, i), false).join();
            }
            for (int i = 0; i < 3; i++) {
                c.read(i * 4096L, 4096).join();
            }
            c.read(0, 0).join(); // answered by the reader itself
            c.flush().join();
            c.trim(0, 4096).join();
            assertThatThrownBy(() -> c.read(1 << 20, 4096).join()).isInstanceOf(CompletionException.class);
            exports.disks.get("disk").hook = (op, offset, length) -> {
                throw MemoryExports.eio("injected");
            };
            assertThatThrownBy(() -> c.write(0, Patterns.random(4096, 9), false).join())
                    .isInstanceOf(CompletionException.class);
        }

        assertThat(count("cairn.test.nbd.requests", "op", "write")).isEqualTo(6);
        assertThat(count("cairn.test.nbd.requests", "op", "read")).isEqualTo(5);
        assertThat(count("cairn.test.nbd.requests", "op", "flush")).isEqualTo(1);
        assertThat(count("cairn.test.nbd.requests", "op", "trim")).isEqualTo(1);
        assertThat(count("cairn.test.nbd.written"))
                .as("failed writes move no data")
                .isEqualTo(5 * 65536);
        assertThat(count("cairn.test.nbd.read")).isEqualTo(3 * 4096);
        assertThat(count("cairn.test.nbd.errors", "op", "read", "error", "EINVAL"))
                .isEqualTo(1);
        assertThat(count("cairn.test.nbd.errors", "op", "write", "error", "EIO"))
                .isEqualTo(1);
        assertThat(registry.find("cairn.test.nbd.errors").counters()).hasSize(2);
        assertThat(timed("write")).isEqualTo(6);
        assertThat(timed("read")).isEqualTo(5);
        assertThat(timed("flush")).isEqualTo(1);
        assertThat(registry.find("cairn.test.nbd.request.duration")
                        .tags("op", "trim")
                        .timer())
                .as("trim was not asked to be timed")
                .isNull();
        Timer writes = registry.find("cairn.test.nbd.request.duration")
                .tags("op", "write")
                .timer();
        assertThat(writes.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS)).isPositive();
        assertThat(registry.find("cairn.test.nbd.requests").counters())
                .allSatisfy(m -> assertThat(m.getId().getTag("volume")).isEqualTo("v1"));
    }

    @Test
    void closeRemovesEveryMeterAndLaterRequestsLeaveNoneBehind() throws Exception {
        try (NbdClient c = NbdClient.connect(address(), "disk")) {
            c.write(0, Patterns.random(4096, 1), false).join();
            assertThatThrownBy(() -> c.read(1 << 20, 4096).join()).isInstanceOf(CompletionException.class);
            meters.close();
            assertThat(registry.getMeters()).isEmpty();
            assertThatThrownBy(() ->
                            c.write(1 << 20, Patterns.random(4096, 2), false).join())
                    .isInstanceOf(CompletionException.class);
            c.write(0, Patterns.random(4096, 3), false).join();
        }
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void anObserverThatThrowsNeverCostsTheClientItsReply() throws Exception {
        exports.disks.get("disk").observer = (command, bytes, nanos, errno) -> {
            throw new IllegalStateException("a broken observer");
        };
        try (NbdClient c = NbdClient.connect(address(), "disk")) {
            c.write(0, Patterns.random(4096, 1), false).get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(c.read(0, 4096).get(10, java.util.concurrent.TimeUnit.SECONDS))
                    .isEqualTo(Patterns.random(4096, 1));
            c.flush().get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
