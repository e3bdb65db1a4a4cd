package dev.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ToolTest {
    @Test
    void aProgramThatPrintsTooMuchKeepsTheFirstMebibyteAndSaysHowMuchWasLeft() {
        Tool.Result r = Tool.run(Duration.ofSeconds(30), "head", "-c", "3000000", "/dev/zero")
                .ok();
        assertThat(r.stdout()).hasSize((1 << 20) + "\n<1951424 more bytes not kept>".length());
        assertThat(r.stdout()).endsWith("\n<1951424 more bytes not kept>");
    }

    @Test
    void ordinaryOutputIsKeptWhole() {
        Tool.Result r = Tool.run(Duration.ofSeconds(30), "sh", "-c", "echo out; echo err >&2; exit 3");
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
    }
}
