package dev.cairn.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.cairn.agent.replica.VolumeSettings;
import dev.cairn.control.api.AgentApi;
import dev.cairn.nbd.server.Listen;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The agent's link to a controller that cannot serve it (cut off, or its group without a majority). */
class AgentLinkTest {
    /** What happened, in order: "beat" for a heartbeat the controller received, "pause N" for a backoff of N ms. */
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());

    private final HttpServer controller;
    private AgentLink link;

    AgentLinkTest() throws IOException {
        controller = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        controller.createContext("/", exchange -> {
            if (exchange.getRequestURI().getPath().endsWith("/heartbeat")) {
                events.add("beat");
            }
            byte[] body = "{\"error\":\"no leader\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(503, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        controller.start();
    }

    @AfterEach
    void stop() {
        if (link != null) {
            link.close();
        }
        controller.stop(0);
    }

    @Test
    void aFencedAgentCutOffFromTheControllerBacksOffHowEverOftenItsLegsChange() {
        AgentConfig config = new AgentConfig(
                "h1",
                new Listen.Unix(Path.of("/run/cairn/agent/nbd.sock"), Optional.empty()), // never bound here
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                List.of(URI.create("http://127.0.0.1:" + controller.getAddress().getPort())),
                Optional.empty(),
                Optional.empty(),
                Duration.ofSeconds(10),
                Duration.ofSeconds(1),
                new VolumeSettings(
                        Duration.ofSeconds(5), Duration.ofMillis(20), Duration.ofDays(1), 4, InstantSource.system()),
                Optional.empty(),
                dev.cairn.nbd.tls.NbdTls.NONE);
        AgentLink.Served fenced = new AgentLink.Served() {
            @Override
            public AgentApi.AgentHeartbeat heartbeat() {
                return new AgentApi.AgentHeartbeat("/run/cairn/agent/nbd.sock", List.of());
            }

            @Override
            public void apply(AgentApi.AgentDesiredView desired) {}
        };
        link = new AgentLink(fenced, config, d -> {
            if (Thread.currentThread().getName().equals("agent-heartbeat")) {
                events.add("pause " + d.toMillis());
                for (int i = 0; i < 20; i++) {
                    link.reportSoon(); // its legs keep failing while it waits
                }
            } else {
                Thread.sleep(d); // the long poll's own backoff, not what this test looks at
            }
        });
        link.start();

        await().atMost(Duration.ofSeconds(30)).until(() -> events.size() >= 16);
        link.close();

        assertThat(List.copyOf(events).subList(0, 16))
                .containsExactly(
                        "beat",
                        "pause 200",
                        "beat",
                        "pause 400",
                        "beat",
                        "pause 800",
                        "beat",
                        "pause 1600",
                        "beat",
                        "pause 3200",
                        "beat",
                        "pause 5000",
                        "beat",
                        "pause 5000",
                        "beat",
                        "pause 5000");
    }
}
