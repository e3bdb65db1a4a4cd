package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code volume show}, {@code cluster status} and {@code node label} print about legs and nodes. */
class VolumeShowTest {
    private CliFixture controller;

    @BeforeEach
    void threeZones(@TempDir Path dir) throws Exception {
        controller = new CliFixture(dir);
        for (String zone : new String[] {"a", "b", "c"}) {
            controller.addNode(zone);
        }
    }

    @AfterEach
    void stop() {
        controller.close();
    }

    @Test
    void aLegItsNodeIsStillCreatingIsNotShownAsSynced() {
        controller.cli("volume", "create", "db", "--size", "1GiB", "--class", "zone-3", "--no-wait");

        assertThat(controller.cli("volume", "show", "db").lines())
                .filteredOn(l -> l.matches("^[0-2] .*"))
                .hasSize(3)
                .allSatisfy(l -> assertThat(l).matches("^\\d +CREATING +- +no +node-\\d .*"));
        assertThat(controller.cli("cluster", "status"))
                .contains("no repairs in progress")
                .containsPattern("db +[A-Z_]+ +1\\.0 GiB +zone-3 +- +[a-c]/node-\\d:CREATING ");

        controller.nodesMakeTheirExtents();
        assertThat(controller.cli("volume", "show", "db").lines())
                .filteredOn(l -> l.matches("^[0-2] .*"))
                .allSatisfy(l -> assertThat(l).matches("^\\d +READY +- +yes +node-\\d .*"));
    }

    @Test
    void nodeLabelTakesANameOrAnIdAndAnswersWithTheName() {
        String id = controller.state.read(
                s -> s.nodeNamed("node-2").orElseThrow().id().toString());
        assertThat(controller.cli("node", "label", "node-2", "rack=r1"))
                .isEqualTo("node node-2: host=" + id + ",rack=r1,zone=b\n");
        assertThat(controller.cli("node", "label", id, "--remove", "rack"))
                .isEqualTo("node node-2: host=" + id + ",zone=b\n");
        assertThat(controller.cli("node", "label", "node-9", "rack=r1")).isEqualTo("exit 1");
        assertThat(controller.err()).isEqualTo("cairn node label: no node 'node-9' (nodes: node-1, node-2, node-3)\n");
    }
}
