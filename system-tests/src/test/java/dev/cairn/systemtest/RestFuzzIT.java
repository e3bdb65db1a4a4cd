package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.testkit.AdminHttp;
import dev.cairn.testkit.NodeProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the controller's REST API (issue 14): {@code cairn.fuzz.requests} generated requests
 * (100,000 by default; {@code -Dcairn.fuzz.seed} picks them), random and mutated valid ones, against
 * a real controller and two real nodes. First {@code cairn.fuzz.sequential} of them one at a time,
 * each refused mutation checked to change nothing the API shows (see {@link #fingerprint}); then the
 * rest from many virtual threads over keep-alive connections. No answer may be a 5xx (a healthy
 * one-peer controller has no reason for a 503 either), none may take longer than its bound, and at
 * the end the controller is alive and serves as before.
 */
class RestFuzzIT extends ClusterFixture {
    private static final long SEED = Long.getLong("cairn.fuzz.seed", 14);
    private static final int REQUESTS = Integer.getInteger("cairn.fuzz.requests", 100_000);
    private static final int SEQUENTIAL = Integer.getInteger("cairn.fuzz.sequential", 1_000);
    private static final int WORKERS = Integer.getInteger("cairn.fuzz.workers", 32);
    private static final Duration TIME_BOUND = Duration.ofMinutes(Long.getLong("cairn.fuzz.minutes", 15));

    private final FuzzReport report = new FuzzReport();
    private final AtomicReference<FuzzTargets> targets = new AtomicReference<>();
    private final List<String> fuzzNodes = new ArrayList<>();
    private long sequentialMillis;

    @Test
    void generatedRequestsGetNo5xxNoHangAndRefusalsChangeNothing() throws Exception {
        controllerGroup(1);
        startController("c1");
        startNodes(List.of("node-a", "node-b"), n -> startNode(n, n.substring("node-".length())));
        awaitNodesOnline(2);
        Random seeds = new Random(SEED);
        for (int i = 0; i < 6; i++) {
            fuzzNodes.add(FuzzTargets.uuid(seeds));
        }
        FuzzRequests requests = new FuzzRequests(
                FuzzRequests.routesOf(api().get("/openapi.json").ok()));
        refreshTargets();
        ScheduledExecutorService refresher =
                Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().factory());
        long start = System.nanoTime();
        try (FuzzSender sender = new FuzzSender(ports.get("c1")[1], tokenValues())) {
            sequential(requests, sender, new Random(seeds.nextLong()));
            sequentialMillis = (System.nanoTime() - start) / 1_000_000;
            var _ = refresher.scheduleWithFixedDelay(this::refreshTargets, 0, 500, TimeUnit.MILLISECONDS);
            concurrent(requests, sender, seeds.nextLong());
        } finally {
            refresher.shutdownNow();
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        String summary = report.summary(millis)
                + String.format(
                        "; sequential part %.1f s, concurrent part (%d workers) %.1f s",
                        sequentialMillis / 1000.0, WORKERS, (millis - sequentialMillis) / 1000.0);
        System.out.println(summary);

        assertThat(report.failures()).as(summary).isEmpty();
        assertThat(report.sent()).isEqualTo(REQUESTS);
        assertThat(millis).as("the run is bounded in time").isLessThan(TIME_BOUND.toMillis());
        assertThat(report.successes())
                .as("valid requests succeed too")
                .containsKeys(
                        "POST /v1/volumes",
                        "POST /v1/classes",
                        "POST /v1/internal/nodes/{id}/heartbeat",
                        "DELETE /v1/volumes/{volume}",
                        "POST /v1/volumes/{volume}/attach");
        servesAsBefore();
    }

    private Map<String, String> tokenValues() throws IOException {
        return Map.of(
                "admin", Files.readString(tokens().resolve("admin.token")).strip(),
                "read", Files.readString(tokens().resolve("read.token")).strip(),
                "node", Files.readString(tokens().resolve("node.token")).strip());
    }

    private void refreshTargets() {
        AdminHttp a = api();
        targets.set(FuzzTargets.of(
                a.get("/v1/volumes").ok(),
                a.get("/v1/nodes").ok(),
                a.get("/v1/classes").ok(),
                a.get("/v1/orphans").ok(),
                fuzzNodes));
    }

    /** One request at a time; a refused mutation must leave {@link #fingerprint} as it was. */
    private void sequential(FuzzRequests requests, FuzzSender sender, Random r) {
        for (int i = 0; i < SEQUENTIAL && i < REQUESTS; i++) {
            if (i % 50 == 0) {
                refreshTargets();
            }
            FuzzRequests.Request q = requests.next(r, targets.get());
            if (!q.mutating()) {
                report.answered(q, sender.send(q), null);
                continue;
            }
            String before = fingerprint();
            FuzzSender.Result result = sender.send(q);
            report.answered(q, result, null);
            if (result.status() >= 400) {
                report.refusalChecked();
                if (!fingerprint().equals(before)) {
                    checkAgainOnceQuiet(q, sender);
                }
            }
        }
    }

    /**
     * The nodes and the repair loop change the state on their own (a volume's legs move when a
     * drain succeeded earlier, say), so a difference may not be the refused request's. Once the
     * state has been still for a while, the same request is sent again: refused again, it must
     * change nothing this time.
     */
    private void checkAgainOnceQuiet(FuzzRequests.Request q, FuzzSender sender) {
        report.recheck();
        AtomicReference<String> last = new AtomicReference<>(fingerprint());
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(2))
                .until(() -> last.getAndSet(fingerprint()).equals(last.get()));
        String before = fingerprint();
        FuzzSender.Result again = sender.send(q);
        String after = fingerprint();
        if (again.status() >= 400 && !after.equals(before)) {
            report.failure("refused (" + again.status() + ") but changed the state: " + q + "\nbefore: " + before
                    + "\nafter:  " + after);
        }
    }

    /**
     * What a request can change, as the API shows it, without what the nodes and agents report on
     * their own (heartbeat times, drive usage, extents, leg and volume states, orphans being erased):
     * classes; volumes with their legs' placement and generation and their attachment; nodes' labels,
     * addresses and drains; agents and their addresses.
     */
    private String fingerprint() {
        AdminHttp a = api();
        StringBuilder f = new StringBuilder(a.get("/v1/classes").ok().toString());
        for (JsonNode v : a.get("/v1/volumes").ok()) {
            ObjectNode kept = ((ObjectNode) v.deepCopy()).retain("id", "name", "sizeBytes", "class", "attachment");
            ArrayNode legs = kept.putArray("legs");
            for (JsonNode l : v.get("legs")) {
                legs.add(((ObjectNode) l.deepCopy()).retain("index", "nodeId", "extentId", "generation", "replacedBy"));
            }
            f.append(kept);
        }
        for (JsonNode n : a.get("/v1/nodes").ok()) {
            f.append(((ObjectNode) n.deepCopy()).retain("id", "nbdAddress", "adminUrl", "labels"));
            f.append(n.path("drain").path("since"));
        }
        for (JsonNode g : a.get("/v1/agents").ok()) {
            f.append(((ObjectNode) g.deepCopy()).retain("host", "nbdAddress", "volumes"));
        }
        return f.toString();
    }

    /** The rest of the requests from {@link #WORKERS} virtual threads, each with a Random of its own. */
    private void concurrent(FuzzRequests requests, FuzzSender sender, long seed) throws InterruptedException {
        AtomicLong left = new AtomicLong(REQUESTS - Math.min(SEQUENTIAL, REQUESTS));
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            Random r = new Random(seed + 7919L * w);
            workers.add(Thread.ofVirtual().name("fuzz-" + w).start(() -> {
                FuzzRequests.Request previous = null;
                while (left.getAndDecrement() > 0) {
                    FuzzRequests.Request q = requests.next(r, targets.get());
                    report.answered(q, sender.send(q), previous);
                    previous = q;
                }
            }));
        }
        for (Thread t : workers) {
            t.join(TIME_BOUND.toMillis());
        }
    }

    /** The controller (and the nodes) alive, serving, and placing a new volume as before. */
    private void servesAsBefore() {
        assertThat(controllers.get("c1").process().isAlive()).isTrue();
        assertThat(nodes.values()).allMatch(n -> n.process().isAlive());
        assertThat(api().get("/health").ok().get("status").asText()).isEqualTo("ok");
        for (NodeProcess n : nodes.values()) {
            api().post("/v1/nodes/" + n.nodeId() + "/undrain", null).ok(); // a fuzzed drain may have stuck
        }
        // The fuzzer's nodes stop heartbeating and go offline; the real ones report their own drives again.
        await().atMost(WAIT).until(() -> {
            int online = 0;
            for (JsonNode n : api().get("/v1/nodes").ok()) {
                online += n.get("state").asText().equals("ONLINE") ? 1 : 0;
            }
            return online == 2;
        });
        for (NodeProcess n : nodes.values()) {
            List<String> own = n.admin().get("/v1/node").ok().get("drives").findValuesAsText("id");
            await().atMost(WAIT)
                    .until(() -> api().get("/v1/nodes/" + n.nodeId())
                            .ok()
                            .get("drives")
                            .findValuesAsText("id")
                            .equals(own));
        }
        api().post("/v1/volumes", "{\"name\":\"after-fuzz\",\"sizeBytes\":4194304,\"class\":\"single\"}")
                .ok();
        await().atMost(WAIT)
                .until(() -> api().get("/v1/volumes/after-fuzz")
                        .ok()
                        .get("state")
                        .asText()
                        .equals("AVAILABLE"));
        assertThat(controllers.get("c1").process().log()).doesNotContain(" ERROR ", "failed to apply");
    }
}
