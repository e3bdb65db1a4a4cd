package dev.cairn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.testkit.FakeClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DriveSetTest {
    final FakeClock clock = new FakeClock();

    @TempDir
    Path dir;

    DriveSpec spec(String name) {
        return new DriveSpec(dir.resolve(name), OptionalLong.of(64L << 20), false);
    }

    @Test
    void aNewNodeFormatsItsDrivesAndKeepsItsIdentity() throws Exception {
        UUID id;
        try (DriveSet set = DriveSet.open(List.of(spec("a.img"), spec("b.img")), Optional.empty(), clock)) {
            id = set.nodeId();
            assertThat(set.drives()).hasSize(2).allMatch(d -> d.label().nodeId().equals(id));
        }
        try (DriveSet again =
                DriveSet.open(List.of(spec("a.img"), spec("b.img"), spec("c.img")), Optional.empty(), clock)) {
            assertThat(again.nodeId()).isEqualTo(id);
            assertThat(again.drives())
                    .hasSize(3)
                    .allMatch(d -> d.label().nodeId().equals(id));
        }
    }

    @Test
    void aDriveOfAnotherNodeIsRefused() throws Exception {
        DriveSet.open(List.of(spec("a.img")), Optional.empty(), clock).close();
        DriveSet.open(List.of(spec("b.img")), Optional.empty(), clock).close();
        assertThatThrownBy(() -> DriveSet.open(List.of(spec("a.img"), spec("b.img")), Optional.empty(), clock))
                .hasMessageContaining("belong to different nodes");
        UUID other = UUID.randomUUID();
        assertThatThrownBy(() -> DriveSet.open(List.of(spec("a.img")), Optional.of(other), clock))
                .hasMessageContaining("not to this node " + other);
    }

    @Test
    void dataThatIsNotADriveIsNeverFormattedUnasked() throws Exception {
        Path file = dir.resolve("precious.img");
        Files.write(file, new byte[16 << 20]);
        Files.write(file, "important data".getBytes(StandardCharsets.UTF_8), StandardOpenOption.WRITE);
        DriveSpec plain = new DriveSpec(file, OptionalLong.empty(), false);
        assertThatThrownBy(() -> DriveSet.open(List.of(plain), Optional.empty(), clock))
                .hasMessageContaining("holds data that is not a Cairn drive; add ',format'");
        assertThat(Files.readString(file).substring(0, 14)).isEqualTo("important data");
        try (DriveSet set =
                DriveSet.open(List.of(new DriveSpec(file, OptionalLong.empty(), true)), Optional.empty(), clock)) {
            assertThat(set.drives()).hasSize(1);
        }
    }

    @Test
    void aMissingDriveNeedsASize() {
        DriveSpec noSize = new DriveSpec(dir.resolve("nope.img"), OptionalLong.empty(), false);
        assertThatThrownBy(() -> DriveSet.open(List.of(noSize), Optional.empty(), clock))
                .hasMessageContaining("does not exist; add ',size=SIZE'");
    }

    @Test
    void aCopiedDriveIsDetected() throws Exception {
        DriveSet.open(List.of(spec("a.img")), Optional.empty(), clock).close();
        Files.copy(dir.resolve("a.img"), dir.resolve("copy.img"));
        assertThatThrownBy(() -> DriveSet.open(List.of(spec("a.img"), spec("copy.img")), Optional.empty(), clock))
                .hasMessageContaining("appears twice");
    }
}
