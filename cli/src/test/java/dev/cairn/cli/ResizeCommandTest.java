package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code volume resize}: what it prints while the nodes grow the legs, once they have, and when refused. */
class ResizeCommandTest {
    private CliFixture controller;

    @BeforeEach
    void aTwoLegVolume(@TempDir Path dir) throws Exception {
        controller = new CliFixture(dir);
        controller.addNode("a");
        controller.addNode("b");
        controller.cli("volume", "create", "db", "--size", "1GiB", "--class", "zone-2", "--no-wait");
        controller.nodesMakeTheirExtents();
    }

    @AfterEach
    void stop() {
        controller.close();
    }

    @Test
    void aResizeShowsTheGrowthUntilTheNodesHaveGrownTheLegsThenTheNewSize() {
        assertThat(controller.cli("volume", "resize", "db", "--size", "3GiB", "--no-wait"))
                .isEqualTo("volume db is 1.0 GiB (growing to 3.0 GiB)\n");
        String shown = controller.cli("volume", "show", "db");
        assertThat(shown).contains("size:     1.0 GiB (1073741824 bytes)\n");
        assertThat(shown.lines().filter(l -> l.startsWith("growing:")))
                .singleElement()
                .asString()
                .startsWith("growing:  to 3.0 GiB (3221225472 bytes); waiting for leg 0 on node ")
                .contains("; leg 1 on node ")
                .endsWith(": its extent is 1.0 GiB, 3.0 GiB wanted");

        controller.nodesMakeTheirExtents();
        assertThat(controller.cli("volume", "show", "db"))
                .contains("size:     3.0 GiB (3221225472 bytes)\n")
                .doesNotContain("growing:");
        assertThat(controller.cli("volume", "resize", "db", "--size", "3GiB")).isEqualTo("volume db is 3.0 GiB\n");
    }

    @Test
    void aResizeThatCannotBeDoneSaysWhyInTheUsersTerms() {
        assertThat(controller.cli("volume", "resize", "db", "--size", "512MiB")).isEqualTo("exit 1");
        assertThat(controller.err()).contains("volume 'db' is 1.0 GiB: asked 512.0 MiB, but a volume never shrinks");
        assertThat(controller.cli("volume", "resize", "db", "--size", "1TiB")).isEqualTo("exit 1");
        assertThat(controller.err())
                .contains("volume 'db' cannot grow: leg 0's drive")
                .contains("has 100.0 GiB free for it (spare space kept), the growth needs 1023.0 GiB");
        assertThat(controller.cli("volume", "resize", "db", "--size", "1073742000"))
                .isEqualTo("exit 1");
        assertThat(controller.err()).contains("not a multiple of 4096");
        assertThat(controller.cli("volume", "resize", "db", "--size", "2GB")).isEqualTo("exit 1");
        assertThat(controller.err()).contains("--size '2GB' is ambiguous");
        assertThat(controller.cli("volume", "resize", "nope", "--size", "2GiB")).isEqualTo("exit 1");
        assertThat(controller.err()).contains("no volume 'nope'");
    }
}
