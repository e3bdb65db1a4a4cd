package dev.cairn.control.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The controller session's steps, driven by hand: pauses are recorded by a fake sleeper instead of
 * taken, so backoff, failover and stale answers are checked without waiting.
 */
class ControllerSessionTest {
    private static final ControllerSession.Settings SETTINGS =
            new ControllerSession.Settings("test", Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ZERO);

    /** The pauses the session took, in milliseconds. */
    private final List<Long> pauses = new ArrayList<>();

    private final List<HttpServer> servers = new ArrayList<>();
    /** The status the fake controllers answer with. */
    private final AtomicInteger status = new AtomicInteger(204);

    private final AtomicInteger heartbeats = new AtomicInteger();

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    private URI controller() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            heartbeats.incrementAndGet();
            int code = status.get();
            byte[] body = code == 204 ? new byte[0] : "{\"error\":\"no leader\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(code, code == 204 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        servers.add(server);
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** A port nothing listens on. */
    private static URI nobody() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + s.getLocalPort());
        }
    }

    /** An agent-like member that heartbeats for real and is handed desired states from a queue. */
    private static final class Member implements ControllerSession.Member<AgentApi.AgentDesiredView> {
        final Deque<AgentApi.AgentDesiredView> answers = new ArrayDeque<>();
        final List<Long> askedAfter = new ArrayList<>();
        final List<Long> applied = new ArrayList<>();
        boolean converges = true;
        int forgotten;

        @Override
        public void heartbeat(ControlClient control) throws ControlException {
            control.agent("h1").heartbeat(new AgentApi.AgentHeartbeat("x:1", List.of()));
        }

        @Override
        public AgentApi.AgentDesiredView desired(ControlClient control, long after, Duration wait) {
            askedAfter.add(after);
            return answers.removeFirst();
        }

        @Override
        public boolean apply(AgentApi.AgentDesiredView desired) {
            applied.add(desired.appliedIndex());
            return converges;
        }

        @Override
        public void forgotten() {
            forgotten++;
        }
    }

    private ControllerSession<AgentApi.AgentDesiredView> session(Member member, URI... urls) {
        ControlClient client = new ControlClient(List.of(urls), Optional.of("t"), Duration.ofSeconds(5));
        return new ControllerSession<>(client, member, SETTINGS, d -> pauses.add(d.toMillis()));
    }

    private static AgentApi.AgentDesiredView desired(long appliedIndex, long changedAt) {
        return new AgentApi.AgentDesiredView(appliedIndex, changedAt, List.of(), 0);
    }

    @Test
    void backoffDoublesUpToFiveSecondsWhileNoControllerAnswersAndEndsWithTheFirstAnswer() throws IOException {
        status.set(503);
        ControllerSession<AgentApi.AgentDesiredView> s = session(new Member(), controller());
        for (int i = 0; i < 8; i++) {
            assertThat(s.beatOnce()).isFalse();
        }
        assertThat(pauses).containsExactly(200L, 400L, 800L, 1600L, 3200L, 5000L, 5000L, 5000L);
        status.set(204);
        assertThat(s.beatOnce()).isTrue();
        status.set(503);
        assertThat(s.beatOnce()).isFalse();
        assertThat(pauses).endsWith(5000L, 200L);
    }

    @Test
    void aPeerThatCannotBeReachedIsPassedOverForTheNextOne() throws IOException {
        ControllerSession<AgentApi.AgentDesiredView> s = session(new Member(), nobody(), controller());
        assertThat(s.beatOnce()).isTrue();
        assertThat(s.beatOnce()).isTrue();
        assertThat(pauses).isEmpty();
        assertThat(heartbeats).hasValue(2);
    }

    @Test
    void aControllerThatNoLongerKnowsTheDaemonMakesItRegisterAgain() throws IOException {
        Member m = new Member();
        status.set(404);
        ControllerSession<AgentApi.AgentDesiredView> s = session(m, controller());
        assertThat(s.beatOnce()).isFalse();
        assertThat(m.forgotten).isEqualTo(1);
        assertThat(pauses).containsExactly(200L);
    }

    @Test
    void anAnswerOlderThanOneAlreadySeenIsIgnored() throws IOException {
        Member m = new Member();
        m.answers.addAll(List.of(desired(10, 8), desired(9, 7), desired(12, 12)));
        ControllerSession<AgentApi.AgentDesiredView> s = session(m, controller());
        s.pollOnce();
        s.pollOnce();
        s.pollOnce();
        assertThat(m.applied).containsExactly(10L, 12L);
        assertThat(m.askedAfter).containsExactly(-1L, 8L, 8L);
        assertThat(pauses).isEmpty();
    }

    @Test
    void aFailedConvergenceFetchesTheWholeStateAgainAfterAPause() throws IOException {
        Member m = new Member();
        m.answers.addAll(List.of(desired(10, 8), desired(11, 8), desired(11, 8)));
        ControllerSession<AgentApi.AgentDesiredView> s = session(m, controller());
        s.pollOnce();
        m.converges = false;
        s.pollOnce();
        m.converges = true;
        s.pollOnce();
        assertThat(m.askedAfter).containsExactly(-1L, 8L, -1L);
        assertThat(pauses).containsExactly(200L);
    }
}
