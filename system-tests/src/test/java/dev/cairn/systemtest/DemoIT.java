package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.testkit.CairnProcess;
import dev.cairn.testkit.Tool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command, {@code bin/cairn demo}, run as a user runs it: it must pass. */
class DemoIT {
    @TempDir
    Path dir;

    @Test
    void theDemoTellsTheWholeStoryChecksEverythingAndCleansUp() {
        Path demo = dir.resolve("demo");
        Tool.Result r = CairnProcess.run(Duration.ofMinutes(8), Map.of(), "demo", "--dir", demo.toString());
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.stdout())
                .contains("[1/6] cluster up", "[3/6] kill node-", "[6/6] read everything back")
                .contains("✓ the volume shows DEGRADED, with the reason")
                .contains("✓ the new leg is on another node, in the zone that lost one")
                .contains("erased its stale extent, and has all its space free again")
                .contains("✓ 320.0 MiB read back, every checksum matches")
                .containsPattern("checks +9 of 9 passed")
                .contains("cluster stopped and removed", "demo passed")
                .doesNotContain("✗", "FAILED");
        assertThat(demo).doesNotExist();
        assertThat(ProcessHandle.allProcesses()
                        .filter(p -> p.info().commandLine().orElse("").contains(demo.toString())))
                .as("no process of the demo's cluster is left")
                .isEmpty();
    }

    @Test
    void badArgumentsAreRefusedBeforeAnythingStarts() {
        Path demo = dir.resolve("never");
        Tool.Result r =
                CairnProcess.run(Map.of(), "demo", "--dir", demo.toString(), "--size", "64MiB", "--write", "128MiB");
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr())
                .contains("--write must be a whole number of MiB, at least 5 MiB and at most the volume's");
        assertThat(demo).doesNotExist();
    }
}
