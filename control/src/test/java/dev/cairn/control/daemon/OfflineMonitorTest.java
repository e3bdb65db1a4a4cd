package dev.cairn.control.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.NodeState;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.LocalReplicatedState;
import dev.cairn.testkit.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class OfflineMonitorTest {
    private final FakeClock clock = new FakeClock();
    private final LocalReplicatedState state = new LocalReplicatedState(ClusterState.empty());
    private final DriveState drive = new DriveState(UUID.randomUUID(), 1L << 30, 1L << 30, 0, 1L << 30);

    private UUID register() {
        UUID id = UUID.randomUUID();
        state.submit(new Command.RegisterNode(id, "n:1", "http://n:2", Map.of(), List.of(drive), clock.millis()));
        return id;
    }

    private void heartbeat(UUID id) {
        state.submit(new Command.Heartbeat(id, List.of(drive), List.of(), List.of(), -1, clock.millis()));
    }

    private NodeState stateOf(UUID id) {
        return state.read(s -> s.nodes().get(id).state());
    }

    @Test
    void aNodeThatStopsHeartbeatingIsMarkedOfflineAndComesBackWithItsNextHeartbeat() throws IOException {
        OfflineMonitor monitor = new OfflineMonitor(state, clock, Duration.ofSeconds(30));
        UUID quiet = register();
        UUID chatty = register();
        assertThat(monitor.check()).isEmpty();
        clock.advance(Duration.ofSeconds(20));
        heartbeat(chatty);
        assertThat(monitor.check()).isEmpty();
        clock.advance(Duration.ofSeconds(10));
        assertThat(monitor.check()).containsExactly(quiet);
        assertThat(stateOf(quiet)).isEqualTo(NodeState.OFFLINE);
        assertThat(stateOf(chatty)).isEqualTo(NodeState.ONLINE);
        assertThat(monitor.check()).as("already offline").isEmpty();
        heartbeat(quiet);
        assertThat(stateOf(quiet)).isEqualTo(NodeState.ONLINE);
    }

    @Test
    void aPeerThatLeadsAgainWaitsAFullIntervalAgain() throws IOException {
        OfflineMonitor monitor = new OfflineMonitor(state, clock, Duration.ofSeconds(30));
        UUID node = register();
        assertThat(monitor.check()).isEmpty();
        state.lead(false);
        clock.advance(Duration.ofMinutes(5)); // another peer led meanwhile; the node heartbeated to it, or not
        assertThat(monitor.check()).isEmpty();
        state.lead(true);
        assertThat(monitor.check()).as("leading again: a full interval first").isEmpty();
        clock.advance(Duration.ofSeconds(29));
        assertThat(monitor.check()).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(monitor.check()).containsExactly(node);
    }

    @Test
    void aNewLeaderGivesEveryNodeAFullIntervalBeforeJudgingIt() throws IOException {
        UUID node = register();
        clock.advance(Duration.ofMinutes(10)); // the controller was down; the node's last heartbeat is old
        OfflineMonitor monitor = new OfflineMonitor(state, clock, Duration.ofSeconds(30));
        assertThat(monitor.check()).isEmpty();
        clock.advance(Duration.ofSeconds(29));
        assertThat(monitor.check()).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(monitor.check()).containsExactly(node);
    }
}
