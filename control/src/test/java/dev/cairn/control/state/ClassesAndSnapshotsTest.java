package dev.cairn.control.state;

import static dev.cairn.control.state.Scenario.GIB;
import static dev.cairn.control.state.Scenario.report;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.control.api.Label;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.StorageClass;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ClassesAndSnapshotsTest {
    final Scenario s = new Scenario();

    static StorageClass rackClass(String name) {
        return new StorageClass(
                name, 2, "rack", Optional.of(new Label("zone", "a")), Duration.ofMinutes(5), 1 << 20, false);
    }

    @Test
    void classesAreCheckedAgainstTheClusterAndTheirUsers() {
        assertThat(s.apply(new Command.CreateClass(rackClass("r2"))).message())
                .isEqualTo("no node has a label 'rack' to spread across (known keys: host)");
        UUID n = s.node("a", 10);
        s.apply(new Command.SetNodeLabels(n, Map.of("rack", "r1"), List.of()));
        assertThat(s.apply(new Command.CreateClass(rackClass("r2"))).isOk()).isTrue();
        assertThat(s.apply(new Command.CreateClass(rackClass("r2"))).status()).isEqualTo(Outcome.Status.CONFLICT);
        assertThat(s.apply(new Command.DeleteClass("zone-3")).message()).contains("built-in class");
        s.node("b", 10);
        UUID other = s.node("c", 10);
        s.apply(new Command.SetNodeLabels(other, Map.of("rack", "r2"), List.of()));
        assertThat(s.createVolume("v", GIB, "r2", 2).isOk()).isTrue();
        assertThat(s.apply(new Command.DeleteClass("r2")).message())
                .isEqualTo("storage class 'r2' is used by 1 volume");
        s.apply(new Command.DeleteVolume("v", s.now));
        assertThat(s.apply(new Command.DeleteClass("r2")).isOk()).isTrue();
        assertThat(s.apply(new Command.DeleteClass("r2")).status()).isEqualTo(Outcome.Status.NOT_FOUND);
        assertThatThrownBy(
                        () -> new StorageClass("x", 6, "zone", Optional.empty(), Duration.ofMinutes(1), 1 << 20, false))
                .hasMessage("replicas must be 1 to 5, got 6");
        assertThatThrownBy(() -> new StorageClass("x", 1, "zone", Optional.empty(), Duration.ofMinutes(1), 1000, false))
                .hasMessageContaining("regionSizeBytes must be a power of 2");
    }

    private void busyCluster() {
        UUID a = s.node("a", 100);
        UUID b = s.node("b", 100);
        UUID c = s.node("c", 100);
        s.createVolume("one", GIB, "zone-2", 2);
        s.createVolume("two", 4 * GIB, "zone-3", 3);
        s.createVolume("small", GIB, "zone-3", 3);
        s.heartbeat(a, s.legsOn(a));
        s.heartbeat(b, s.legsOn(b));
        s.apply(new Command.DeleteVolume("one", s.now));
        s.apply(new Command.SetNodeLabels(a, Map.of("rack", "r9"), List.of()));
        s.heartbeat(c, s.legsOn(c));
        s.agent("h1");
        s.agent("h2");
        s.attach("two", "h1", false);
        s.agent("h1", report(s.volume("two"), 2, LegSyncState.SYNCING, 8192));
        s.attach("small", "h2", false);
    }

    @Test
    void aSnapshotRestoresTheSameStateAndTheSameFuture() throws IOException {
        busyCluster();
        ClusterState original = s.machine.snapshot();
        assertThat(original.agents()).containsOnlyKeys("h1", "h2");
        assertThat(original.volumeNamed("two").orElseThrow().report()).isPresent();
        assertThat(original.volumeNamed("small").orElseThrow().attachment()).isPresent();
        byte[] bytes = StateCodec.encodeSnapshot(original);
        ClusterState restored = StateCodec.decodeSnapshot(bytes);
        assertThat(restored).isEqualTo(original);
        assertThat(StateCodec.encodeSnapshot(restored)).isEqualTo(bytes);

        ClusterStateMachine replica = new ClusterStateMachine(ClusterState.empty());
        replica.restore(restored);
        Command next = new Command.CreateVolume(
                UUID.randomUUID(),
                "three",
                GIB,
                "zone-2",
                List.of(UUID.randomUUID(), UUID.randomUUID()),
                List.of("x", "y"),
                0,
                s.now);
        assertThat(replica.apply(99, next)).isEqualTo(s.machine.apply(99, next));
        assertThat(replica.snapshot()).isEqualTo(s.machine.snapshot());
        assertThat(replica.agentDesired("h1").volumes())
                .isEqualTo(s.machine.agentDesired("h1").volumes());

        Command move = new Command.AttachVolume("two", "h2", true, s.now);
        assertThat(replica.apply(100, move)).isEqualTo(s.machine.apply(100, move));
        assertThat(replica.snapshot()).isEqualTo(s.machine.snapshot());
        assertThat(replica.agentDesired("h2")).isEqualTo(s.machine.agentDesired("h2"));
        assertThat(replica.agentDesired("h2").volumes()).hasSize(2);
        assertThat(replica.agentDesired("h1")).isEqualTo(s.machine.agentDesired("h1"));
    }

    @Test
    void aSnapshotWrittenBeforeAgentsExistedStillLoads() throws IOException {
        s.node("a", 100);
        s.availableVolume("v", "single", 1);
        ClusterState original = s.machine.snapshot();
        ObjectMapper json = new ObjectMapper();
        ObjectNode old = (ObjectNode) json.readTree(StateCodec.encodeSnapshot(original));
        old.remove("agents");
        old.get("volumes").forEach(v -> ((ObjectNode) v).remove(List.of("attachment", "report")));
        assertThat(old.toString()).doesNotContain("agents", "attachment", "report");
        assertThat(StateCodec.decodeSnapshot(json.writeValueAsBytes(old))).isEqualTo(original);
    }

    @Test
    void aSnapshotWrittenBeforeNodesHadNamesNamesThemAfterTheirHostLabel() throws IOException {
        UUID a = s.node("a", 100);
        ClusterState original = s.machine.snapshot();
        ObjectMapper json = new ObjectMapper();
        ObjectNode old = (ObjectNode) json.readTree(StateCodec.encodeSnapshot(original));
        old.get("nodes").forEach(n -> ((ObjectNode) n).remove("name"));
        assertThat(old.toString()).doesNotContain("\"name\":\"" + a + "\"");
        ClusterState restored = StateCodec.decodeSnapshot(json.writeValueAsBytes(old));
        assertThat(restored.nodes().get(a).name()).isEqualTo(a.toString()); // its host label: the id here
        assertThat(restored).isEqualTo(original);
    }

    @Test
    void theSameCommandsGiveTheSameStateToTheByte() throws IOException {
        busyCluster();
        ClusterStateMachine replay = new ClusterStateMachine(ClusterState.empty());
        for (int i = 0; i < s.log.size(); i++) {
            Command decoded = StateCodec.decodeCommand(StateCodec.encode(s.log.get(i)));
            assertThat(decoded).isEqualTo(s.log.get(i));
            Outcome outcome = replay.apply(i + 1, decoded);
            assertThat(StateCodec.decodeOutcome(StateCodec.encode(outcome))).isEqualTo(outcome);
        }
        assertThat(StateCodec.encodeSnapshot(replay.snapshot()))
                .isEqualTo(StateCodec.encodeSnapshot(s.machine.snapshot()));
    }

    @Test
    void aSnapshotOfAnotherFormatIsRefused() {
        byte[] bytes = new String(StateCodec.encodeSnapshot(ClusterState.empty()), StandardCharsets.UTF_8)
                .replace("\"format\":1", "\"format\":7")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> StateCodec.decodeSnapshot(bytes)).hasMessageContaining("snapshot format 7");
    }
}
