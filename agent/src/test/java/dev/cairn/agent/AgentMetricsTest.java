package dev.cairn.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.agent.replica.VolumeSettings;
import dev.cairn.control.api.AgentApi;
import dev.cairn.legs.io.MemoryLegs;
import dev.cairn.nbd.client.NbdClient;
import dev.cairn.nbd.server.Listen;
import dev.cairn.testkit.Patterns;
import dev.cairn.testkit.PrometheusText;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's {@code /metrics}, scraped over HTTP after known I/O through its NBD export: a
 * volume's counters move by exactly its clients' requests, its legs and resyncs show, and a
 * detached volume leaves no series behind.
 */
class AgentMetricsTest {
    private static final long REGION = 64 * 1024;
    private static final long SIZE = 64 * REGION;
    private static final long EXTENT = SIZE + (1 << 20);

    @TempDir
    Path dir;

    private final MemoryLegs memory = new MemoryLegs();
    private final UUID volumeId = UUID.randomUUID();
    private final String vid = volumeId.toString();
    private final List<UUID> legs = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
    private Agent agent;
    private long index;

    @BeforeEach
    void start() throws Exception {
        agent = Agent.start(
                new AgentConfig(
                        "metrics-host",
                        new Listen.Unix(dir.resolve("nbd.sock"), Optional.empty()),
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        List.of(URI.create("http://127.0.0.1:9")), // no controller: views come from the test
                        Optional.empty(),
                        Optional.empty(),
                        Duration.ofHours(1),
                        Duration.ofSeconds(1),
                        new VolumeSettings(
                                Duration.ofSeconds(5),
                                Duration.ofMillis(20),
                                Duration.ofDays(1),
                                4,
                                InstantSource.system()),
                        Optional.of(dir.resolve("ready.json")),
                        dev.cairn.nbd.tls.NbdTls.NONE),
                memory);
    }

    @AfterEach
    void stop() {
        agent.close();
    }

    private void apply(List<UUID> legIds) {
        List<AgentApi.AttachedLeg> attached = new ArrayList<>();
        for (UUID id : legIds) {
            attached.add(new AgentApi.AttachedLeg(
                    legs.indexOf(id), id, UUID.randomUUID(), "mem:1", EXTENT, "secret", false));
        }
        index++;
        List<AgentApi.AttachedVolume> volumes = legIds.isEmpty()
                ? List.of()
                : List.of(new AgentApi.AttachedVolume(volumeId, "db", SIZE, REGION, 1, attached));
        agent.apply(new AgentApi.AgentDesiredView(index, index, volumes, 0));
    }

    private NbdClient attachAndConnect(List<UUID> legIds) throws Exception {
        apply(legIds);
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            try (NbdClient probe = NbdClient.connect(agent.nbdAddress(), vid)) {
                return probe.sizeBytes() == SIZE;
            } catch (IOException e) {
                return false;
            }
        });
        return NbdClient.connect(agent.nbdAddress(), vid);
    }

    private PrometheusText scrape() {
        return PrometheusText.scrape(agent.metricsUrl());
    }

    private double delta(PrometheusText before, PrometheusText after, String name, String... labels) {
        return after.value(name, labels) - before.value(name, labels);
    }

    @Test
    void aVolumesCountersMoveByExactlyItsClientsRequests() throws Exception {
        try (NbdClient client = attachAndConnect(legs)) {
            PrometheusText before = scrape();
            for (int i = 0; i < 7; i++) {
                client.write(i * REGION, Patterns.random(65536, i), false).join();
            }
            for (int i = 0; i < 3; i++) {
                assertThat(client.read(i * REGION, 16384).join())
                        .isEqualTo(Patterns.random(65536, i).limit(16384));
            }
            client.flush().join();
            client.flush().join();
            PrometheusText after = scrape();

            String[] v = {"volume", vid, "name", "db"};
            assertThat(delta(before, after, "cairn_agent_volume_written_bytes_total", v))
                    .isEqualTo(7 * 65536);
            assertThat(delta(before, after, "cairn_agent_volume_read_bytes_total", v))
                    .isEqualTo(3 * 16384);
            assertThat(delta(before, after, "cairn_agent_volume_requests_total", "volume", vid, "op", "write"))
                    .isEqualTo(7);
            assertThat(delta(before, after, "cairn_agent_volume_requests_total", "volume", vid, "op", "read"))
                    .isEqualTo(3);
            assertThat(delta(before, after, "cairn_agent_volume_requests_total", "volume", vid, "op", "flush"))
                    .isEqualTo(2);
            String latency = "cairn_agent_volume_request_duration_seconds_count";
            assertThat(delta(before, after, latency, "volume", vid, "op", "write"))
                    .isEqualTo(7);
            assertThat(delta(before, after, latency, "volume", vid, "op", "read"))
                    .isEqualTo(3);
            assertThat(delta(before, after, latency, "volume", vid, "op", "flush"))
                    .isEqualTo(2);
            assertThat(after.find("cairn_agent_volume_request_duration_seconds_count", "op", "trim"))
                    .isEmpty();
            assertThat(after.find("cairn_agent_volume_errors_total")).isEmpty();
            assertThat(after.value("cairn_agent_volume_legs", "volume", vid, "state", "IN_SYNC"))
                    .isEqualTo(3);
            assertThat(after.value("cairn_agent_volume_legs", "volume", vid, "state", "FAILED"))
                    .isZero();
            assertThat(after.value("cairn_agent_volumes_attached")).isEqualTo(1);
            assertThat(after.value("cairn_agent_nbd_connections")).isEqualTo(1);
            assertThat(after.sum("jvm_memory_used_bytes")).isPositive();
        }
    }

    @Test
    void errorsReturnedToTheClientAndFailedLegsShow() throws Exception {
        try (NbdClient client = attachAndConnect(legs.subList(0, 2))) {
            client.write(0, Patterns.random(4096, 1), false).join();
            memory.extent(legs.get(0)).failReads(true);
            memory.extent(legs.get(1)).failReads(true);
            assertThatThrownBy(() -> client.read(0, 4096).join()).isInstanceOf(CompletionException.class);
            PrometheusText t = scrape();
            assertThat(t.value("cairn_agent_volume_errors_total", "volume", vid, "op", "read", "error", "EIO"))
                    .isEqualTo(1);
            assertThat(t.value("cairn_agent_volume_requests_total", "volume", vid, "op", "read"))
                    .isEqualTo(1);
            assertThat(t.value("cairn_agent_volume_read_bytes_total", "volume", vid))
                    .as("a failed read moved nothing")
                    .isZero();
            assertThat(t.value("cairn_agent_volume_legs", "volume", vid, "state", "FAILED"))
                    .isEqualTo(2);
        }
    }

    @Test
    void aResyncIsCountedAndADetachedVolumeLeavesNoSeries() throws Exception {
        try (NbdClient client = attachAndConnect(legs.subList(0, 2))) {
            client.write(0, Patterns.random(65536, 1), false).join();
            double copiedBefore = scrape().value("cairn_agent_volume_resync_copied_bytes_total", "volume", vid);

            apply(legs); // a third, blank leg: every region is copied (or zeroed) into it
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> scrape().value("cairn_agent_volume_legs", "volume", vid, "state", "IN_SYNC") == 3);
            PrometheusText t = scrape();
            assertThat(t.value("cairn_agent_volume_resync_copied_bytes_total", "volume", vid) - copiedBefore)
                    .isEqualTo(SIZE);
            assertThat(t.value("cairn_agent_volume_resync_remaining_bytes", "volume", vid))
                    .isZero();
            assertThat(t.value("cairn_agent_volume_resync_rate_bytes_per_second", "volume", vid))
                    .isZero();
            assertThat(t.type("cairn_agent_volume_resync_copied_bytes_total")).contains("counter");
        }

        apply(List.of());
        await().atMost(Duration.ofSeconds(10)).until(() -> scrape().value("cairn_agent_volumes_attached") == 0);
        PrometheusText gone = scrape();
        assertThat(gone.samples())
                .as("no series of the detached volume")
                .noneMatch(s -> vid.equals(s.labels().get("volume")));
    }

    @Test
    void theReadyFileNamesTheSocketAndTheMetricsUrl() throws Exception {
        assertThat(Files.readString(dir.resolve("ready.json")))
                .contains("\"metrics\":\"" + agent.metricsUrl() + "\"")
                .contains("\"nbd\":\"" + dir.resolve("nbd.sock") + "\"");
        assertThat(agent.uri(vid)).isEqualTo("nbd+unix:///" + vid + "?socket=" + dir.resolve("nbd.sock"));
        assertThat(agent.metricsUrl()).startsWith("http://127.0.0.1:").endsWith("/metrics");
        assertThat(scrape().value("cairn_agent_volumes_attached")).isZero();
    }
}
