package dev.cairn.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.agent.replica.VolumeSettings;
import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.legs.io.MemoryLegs;
import dev.cairn.nbd.client.NbdClient;
import dev.cairn.nbd.server.Listen;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent applying desired views (no controller: the views are handed to it): legs that change
 * at the same generation leave the NBD export and its clients alone, a view that cannot be served
 * does not detach a served volume, and every view sets the resync rate.
 */
class AgentTest {
    private static final long REGION = 64 * 1024;
    private static final long SIZE = 64 * REGION;
    private static final long EXTENT = SIZE + (1 << 20);

    private final MemoryLegs memory = new MemoryLegs();
    private final UUID volumeId = UUID.randomUUID();
    private final List<UUID> legs = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());

    @TempDir
    Path dir;

    private Agent agent;
    private long index;

    @BeforeEach
    void start() throws Exception {
        AgentConfig config = new AgentConfig(
                "test-host",
                new Listen.Unix(dir.resolve("nbd.sock"), Optional.empty()),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                List.of(URI.create("http://127.0.0.1:9")), // no controller: views come from the test
                Optional.empty(),
                Optional.empty(),
                Duration.ofHours(1),
                Duration.ofSeconds(1),
                new VolumeSettings(
                        Duration.ofSeconds(5), Duration.ofMillis(20), Duration.ofDays(1), 4, InstantSource.system()),
                Optional.empty(),
                dev.cairn.nbd.tls.NbdTls.NONE);
        agent = Agent.start(config, memory);
    }

    @AfterEach
    void stop() {
        agent.close();
    }

    private AgentApi.AgentDesiredView view(long syncBytesPerSecond, List<UUID> legIds) {
        List<AgentApi.AttachedLeg> attached = new ArrayList<>();
        for (UUID id : legIds) {
            attached.add(new AgentApi.AttachedLeg(
                    legs.indexOf(id), id, UUID.randomUUID(), "mem:1", EXTENT, "secret", false));
        }
        index++;
        return new AgentApi.AgentDesiredView(
                index,
                index,
                List.of(new AgentApi.AttachedVolume(volumeId, "v", SIZE, REGION, 1, attached)),
                syncBytesPerSecond);
    }

    private List<LegSyncState> legStates() {
        return agent.reports().getFirst().legs().stream()
                .map(AgentApi.LegReport::state)
                .toList();
    }

    private static ByteBuffer pattern(long seed, int length) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return ByteBuffer.wrap(b);
    }

    private NbdClient attachAndConnect(List<UUID> legIds) throws Exception {
        agent.apply(view(0, legIds));
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            try (NbdClient probe = NbdClient.connect(agent.nbdAddress(), volumeId.toString())) {
                return probe.sizeBytes() == SIZE;
            } catch (java.io.IOException e) {
                return false;
            }
        });
        return NbdClient.connect(agent.nbdAddress(), volumeId.toString());
    }

    @Test
    void legAddedAndRemovedAtTheSameGenerationKeepsTheExportAndItsClients() throws Exception {
        try (NbdClient client = attachAndConnect(legs.subList(0, 2))) {
            client.write(0, pattern(1, 8192), false).get(5, TimeUnit.SECONDS);

            agent.apply(view(0, legs));
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> legStates()
                            .equals(List.of(LegSyncState.IN_SYNC, LegSyncState.IN_SYNC, LegSyncState.IN_SYNC)));
            client.write(REGION, pattern(2, 8192), false).get(5, TimeUnit.SECONDS);

            agent.apply(view(0, legs.subList(1, 3)));
            await().until(() -> legStates().size() == 2);
            client.write(2 * REGION, pattern(3, 8192), false).get(5, TimeUnit.SECONDS);
            client.flush().get(5, TimeUnit.SECONDS);

            assertThat(client.lost()).as("the client never lost its connection").isNotDone();
            for (int r = 0; r < 3; r++) {
                ByteBuffer back = client.read(r * REGION, 8192).get(5, TimeUnit.SECONDS);
                assertThat(back).isEqualTo(pattern(r + 1, 8192));
            }
            assertThat(memory.extent(legs.get(2)).snapshot((1 << 20), 8192))
                    .as("the added leg was copied to")
                    .isEqualTo(pattern(1, 8192).array());
            assertThat(memory.extent(legs.get(0)).openConnections()).isZero();
        }
    }

    @Test
    void aViewThatCannotBeServedLeavesTheServedVolumeAsItIs() throws Exception {
        try (NbdClient client = attachAndConnect(legs.subList(0, 2))) {
            agent.apply(view(0, List.of())); // no legs: a bad view, not a detach
            agent.apply(view(0, List.of(legs.get(0), legs.get(0))));
            client.write(0, pattern(4, 4096), false).get(5, TimeUnit.SECONDS);
            assertThat(client.lost()).isNotDone();
            assertThat(legStates()).containsExactly(LegSyncState.IN_SYNC, LegSyncState.IN_SYNC);

            agent.apply(new AgentApi.AgentDesiredView(++index, index, List.of(), 0)); // detached for real
            await().until(() -> client.lost().isDone());
            assertThat(agent.reports()).isEmpty();
        }
    }

    @Test
    void everyViewSetsTheResyncRate() {
        agent.apply(view(1234, legs.subList(0, 2)));
        assertThat(agent.throttle().rate()).isEqualTo(1234);
        agent.apply(view(0, legs.subList(0, 2)));
        assertThat(agent.throttle().rate()).isZero();
        agent.apply(view(5_000_000, legs.subList(0, 2)));
        agent.apply(view(-1, legs.subList(0, 2)));
        assertThat(agent.throttle().rate()).as("a negative rate is ignored").isEqualTo(5_000_000);
    }
}
