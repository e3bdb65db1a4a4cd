package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rebalance status|pause|resume|set} and the balance line of {@code cluster status}. */
class RebalanceCommandsTest {
    private CliFixture controller;

    @BeforeEach
    void threeNodes(@TempDir Path dir) throws Exception {
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
    void statusShowsTheSpreadTheStateAndEveryDrive() {
        String status = controller.cli("rebalance", "status");
        assertThat(status)
                .contains("spread:   0.0 points (balanced: within 5.0)")
                .contains("state:    running")
                .contains("planned:  0 moves (0 B)")
                .contains("moved:    0 moves (0 B since the cluster began)")
                .contains("NODE")
                .contains("node-1  ")
                .contains("100.0 GiB  0 B   0.0%");
        assertThat(status.lines().filter(l -> l.contains("GiB"))).hasSize(3);
    }

    @Test
    void pauseResumeAndSetSayWhatTheyDidAndStatusShowsIt() {
        assertThat(controller.cli("rebalance", "pause")).isEqualTo("rebalance paused\n");
        assertThat(controller.cli("rebalance", "status")).contains("state:    paused");
        assertThat(controller.cli("cluster", "status")).contains("rebalance paused");
        assertThat(controller.cli("rebalance", "resume")).isEqualTo("rebalance resumed\n");
        assertThat(controller.cli("rebalance", "set", "--spread", "2.5"))
                .isEqualTo("rebalance spread set to 2.5 points\n");
        assertThat(controller.cli("cluster", "status"))
                .contains("balance:  drives' fill 0.0 points apart (within 2.5); rebalance running");
    }

    @Test
    void aSpreadOutOfRangeSaysTheRange() {
        assertThat(controller.cli("rebalance", "set", "--spread", "80")).isEqualTo("exit 1");
        assertThat(controller.err()).contains("spreadPoints must be from 0.5 to 50.0, got 80.0");
        assertThat(controller.cli("rebalance", "set")).startsWith("exit");
        assertThat(controller.err()).contains("--spread");
    }
}
