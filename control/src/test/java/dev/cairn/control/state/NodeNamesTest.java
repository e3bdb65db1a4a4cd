package dev.cairn.control.state;

import static dev.cairn.control.state.Scenario.GIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.NodeState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Every node has a name, unique in the cluster; a name taken by another node is refused. */
class NodeNamesTest {
    private final Scenario s = new Scenario();

    private Outcome register(UUID id, String name, Map<String, String> labels) {
        DriveState d = new DriveState(UUID.randomUUID(), 100 * GIB, 100 * GIB, 0, 100 * GIB);
        return s.apply(new Command.RegisterNode(
                id, "127.0.0.1:" + (10000 + s.log.size()), "http://127.0.0.1:8410", labels, List.of(d), s.now, name));
    }

    private NodeRecord node(UUID id) {
        return s.machine.read(st -> st.nodes().get(id));
    }

    @Test
    void aNodeIsCalledWhatItSaysOrAfterItsHostLabel() {
        UUID named = UUID.randomUUID();
        UUID unnamed = UUID.randomUUID();
        assertThat(register(named, "node-1", Map.of("zone", "a")).isOk()).isTrue();
        assertThat(register(unnamed, null, Map.of("host", "db-host-7")).isOk()).isTrue();
        assertThat(node(named).name()).isEqualTo("node-1");
        assertThat(node(unnamed).name()).isEqualTo("db-host-7");
        assertThat(s.machine.read(st -> st.nodeNamed("node-1")).orElseThrow().id())
                .isEqualTo(named);
    }

    @Test
    void aNewNodeAskingForATakenNameIsRefusedAndChangesNothing() {
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        register(first, "node-1", Map.of());
        var before = s.machine.snapshot();
        Outcome o = register(second, "node-1", Map.of());
        assertThat(o.status()).isEqualTo(Outcome.Status.CONFLICT);
        assertThat(o.message())
                .isEqualTo("the name 'node-1' is taken by node " + first
                        + " at 127.0.0.1:10000: start this node with another --name");
        assertThat(node(second)).isNull();
        assertThat(s.machine.snapshot().nodes()).isEqualTo(before.nodes());
    }

    @Test
    void twoNodesOnOneHostNeitherNamedAreBothRegistered() {
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        assertThat(register(first, null, Map.of("host", "h")).isOk()).isTrue();
        assertThat(register(second, null, Map.of("host", "h")).isOk()).isTrue();
        assertThat(node(first).name()).isEqualTo("h");
        assertThat(node(second).name()).isEqualTo("h-" + second.toString().substring(0, 8));
        assertThat(register(second, null, Map.of("host", "h")).isOk()).isTrue();
        assertThat(node(second).name())
                .as("kept across restarts")
                .isEqualTo("h-" + second.toString().substring(0, 8));
    }

    @Test
    void aKnownNodeIsNeverRefusedForANameItKeepsTheOneItHas() {
        UUID holder = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        register(holder, "node-1", Map.of());
        register(other, "node-2", Map.of());
        Outcome o = register(other, "node-1", Map.of()); // restarted with a name another node has
        assertThat(o.isOk()).as("a node that may hold legs stays registered").isTrue();
        assertThat(node(other).name()).isEqualTo("node-2");
        assertThat(node(other).state()).isEqualTo(NodeState.ONLINE);
    }

    @Test
    void aNodeKeepsItsNameAcrossRestartsAndMayChangeIt() {
        UUID id = UUID.randomUUID();
        register(id, "node-1", Map.of());
        assertThat(register(id, "node-1", Map.of()).isOk()).isTrue();
        assertThat(register(id, null, Map.of()).isOk()).isTrue(); // no --name, or an old log entry
        assertThat(node(id).name()).isEqualTo("node-1");
        assertThat(register(id, "storage-a", Map.of()).isOk()).isTrue();
        assertThat(node(id).name()).isEqualTo("storage-a");
        Optional<NodeRecord> old = s.machine.read(st -> st.nodeNamed("node-1"));
        assertThat(old).isEmpty();
    }

    @Test
    void aNameThatIsNotOneIsRefused() {
        for (String bad :
                List.of("", "-x", "a b", "x".repeat(64), UUID.randomUUID().toString())) {
            Outcome o = register(UUID.randomUUID(), bad, Map.of());
            assertThat(o.isOk()).as(bad).isFalse();
            assertThat(o.message()).as(bad).contains("node name '" + bad + "'");
        }
    }
}
