package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.testkit.AdminHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A controller whose replicated log holds refused commands (issue 14: one such entry used to stop
 * the controller for good, and every restart replayed it): killed and started again, it replays
 * them, refuses them again, and serves as before; requests that arrive while it replays get a 503
 * that says so, never a 500.
 */
class RefusedCommandReplayIT extends ClusterFixture {

    @BeforeEach
    void cluster() throws Exception {
        controllerGroup(1);
        startController("c1");
        startNodes(List.of("node-a", "node-b"), n -> startNode(n, n.substring("node-".length())));
        awaitNodesOnline(2);
    }

    private String volumeState(String name) {
        return api().get("/v1/volumes/" + name).ok().get("state").asText();
    }

    /** Every volume's id, name, class and legs (what a replay must give back exactly). */
    private Map<String, String> volumes() {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode v : api().get("/v1/volumes").ok()) {
            out.put(
                    v.get("name").asText(),
                    v.get("id").asText() + " " + v.get("class").asText() + " "
                            + v.get("legs").findValuesAsText("extentId"));
        }
        return out;
    }

    /** The bytes of every segment of the controller's Raft log. */
    private String raftLog() throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.walk(dir.resolve("c1/data/raft"))) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("log_"))
                    .toList()) {
                all.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
            }
        }
        return all.toString();
    }

    @Test
    void refusedCommandsInTheLogAreRefusedAgainOnReplayAndTheControllerServes() throws Exception {
        api().post("/v1/volumes", "{\"name\":\"kept\",\"sizeBytes\":33554432,\"class\":\"zone-2\"}")
                .ok();
        await().atMost(WAIT).until(() -> volumeState("kept").equals("AVAILABLE"));

        // Refused when applied (so they are in the log): placement needs a third zone, and no node has a room label.
        AdminHttp.Response unplaceable =
                api().post("/v1/volumes", "{\"name\":\"three-zones\",\"sizeBytes\":33554432,\"class\":\"zone-3\"}");
        assertThat(unplaceable.status()).isEqualTo(422);
        AdminHttp.Response noLabel =
                api().post("/v1/classes", "{\"name\":\"rooms\",\"replicas\":2,\"spreadAcross\":\"room\"}");
        assertThat(noLabel.status()).isEqualTo(400);
        assertThat(noLabel.body().get("error").asText()).contains("no node has a label 'room'");
        assertThat(raftLog()).contains("three-zones", "rooms");
        Map<String, String> before = volumes();

        int logBefore = controllers.get("c1").process().log().length();
        controllers.get("c1").process().kill(); // SIGKILL: the log is replayed from disk
        List<Integer> whileStarting = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean starting = new AtomicBoolean(true);
        Thread prober = Thread.ofVirtual().start(() -> probe(starting, whileStarting));
        try {
            startController("c1");
        } finally {
            starting.set(false);
            prober.join();
        }

        assertThat(whileStarting)
                .as("answers while the controller restarted (-1: connection reset)")
                .allMatch(s -> s < 500 || s == 503);
        assertThat(volumes()).isEqualTo(before);
        assertThat(api().get("/v1/volumes/three-zones").status()).isEqualTo(404);
        assertThat(api().get("/v1/classes/rooms").status()).isEqualTo(404);
        String heard =
                api().get("/v1/nodes").ok().findValuesAsText("lastHeartbeat").toString();
        await().atMost(WAIT)
                .until(() -> !api().get("/v1/nodes")
                        .ok()
                        .findValuesAsText("lastHeartbeat")
                        .toString()
                        .equals(heard));
        awaitNodesOnline(2);
        assertThat(api().post("/v1/volumes", "{\"name\":\"after\",\"sizeBytes\":33554432,\"class\":\"zone-2\"}")
                        .status())
                .isEqualTo(201);
        await().atMost(WAIT).until(() -> volumeState("after").equals("AVAILABLE"));
        String restartLog = controllers.get("c1").process().log().substring(logBefore);
        assertThat(restartLog).doesNotContain("ERROR", "Exception");
    }

    /** Asks the controller's fixed REST port for its health and volumes until it has started. */
    private void probe(AtomicBoolean starting, List<Integer> statuses) {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String base = "http://127.0.0.1:" + ports.get("c1")[1];
        String token;
        try {
            token = Files.readString(tokens().resolve("admin.token")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        while (starting.get()) {
            for (String path : List.of("/health", "/v1/volumes", "/v1/cluster")) {
                try {
                    HttpResponse<String> r = http.send(
                            HttpRequest.newBuilder(URI.create(base + path))
                                    .header("Authorization", "Bearer " + token)
                                    .timeout(Duration.ofSeconds(30))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    statuses.add(r.statusCode());
                } catch (ConnectException e) {
                    // not listening yet
                } catch (IOException e) {
                    statuses.add(-1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            try {
                Thread.sleep(20); // a steady trickle of requests, not a busy loop on two cores
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
