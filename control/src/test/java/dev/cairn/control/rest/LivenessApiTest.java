package dev.cairn.control.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.control.daemon.OfflineMonitor;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Liveness off the log: a heartbeat that changes nothing but when its sender was last heard from is
 * noted in the leader's memory, not appended to the replicated log; the views and the offline
 * monitor see it all the same.
 */
class LivenessApiTest extends ApiFixture {
    private static final Duration OFFLINE_AFTER = Duration.ofSeconds(30);

    private long appliedIndex() {
        return state.raftStatus().appliedIndex();
    }

    @Test
    void anUnchangedNodeHeartbeatIsNotALogEntryButKeepsTheNodeOnline() throws IOException {
        UUID id = registerNode("a", 10);
        heartbeatWithDesired(id);
        long before = appliedIndex();
        OfflineMonitor monitor = new OfflineMonitor(state, clock, OFFLINE_AFTER);
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofSeconds(20));
            heartbeatWithDesired(id);
            assertThat(monitor.check()).as("heard 20 s ago").isEmpty();
        }
        assertThat(appliedIndex()).as("ten unchanged heartbeats").isEqualTo(before);
        JsonNode shown = admin.get("/v1/nodes/" + id).ok();
        assertThat(shown.get("state").asText()).isEqualTo("ONLINE");
        assertThat(Instant.parse(shown.get("lastHeartbeat").asText())).isEqualTo(clock.instant());

        clock.advance(OFFLINE_AFTER);
        assertThat(monitor.check()).as("silent for the offline interval").containsExactly(id);
        heartbeatWithDesired(id);
        assertThat(appliedIndex()).as("coming back online is a change").isGreaterThan(before + 1);
        assertThat(admin.get("/v1/nodes/" + id).ok().get("state").asText()).isEqualTo("ONLINE");
    }

    @Test
    void aHeartbeatThatChangesTheInventoryIsALogEntry() {
        UUID id = registerNode("a", 10);
        heartbeatWithDesired(id);
        long before = appliedIndex();
        node.post(
                        "/v1/internal/nodes/" + id + "/heartbeat",
                        "{\"drives\":" + reportedDrives(id) + ",\"extents\":[],\"errors\":[\"drive d0 is slow\"]}")
                .ok();
        assertThat(appliedIndex()).isEqualTo(before + 1);
        assertThat(admin.get("/v1/nodes/" + id).ok().get("errors").get(0).asText())
                .isEqualTo("drive d0 is slow");
    }

    @Test
    void aFollowerLogsEveryHeartbeatForTheLeaderToSee() {
        UUID id = registerNode("a", 10);
        heartbeatWithDesired(id);
        long before = appliedIndex();
        state.lead(false);
        heartbeatWithDesired(id);
        assertThat(appliedIndex()).isEqualTo(before + 1);
    }

    @Test
    void anUnchangedAgentHeartbeatIsNotALogEntryAndTheAgentShowsWhenItWasHeard() {
        agentHeartbeat("h1");
        long before = appliedIndex();
        clock.advance(Duration.ofSeconds(7));
        agentHeartbeat("h1");
        assertThat(appliedIndex()).isEqualTo(before);
        JsonNode agent = admin.get("/v1/agents").ok().get(0);
        assertThat(Instant.parse(agent.get("lastHeartbeat").asText())).isEqualTo(clock.instant());
    }
}
