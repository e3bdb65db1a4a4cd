package dev.cairn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.control.api.Sizes;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ParsingTest {
    @Test
    void sizesAcceptTheUsualSuffixes() {
        assertThat(Sizes.parse("4096")).isEqualTo(4096);
        assertThat(Sizes.parse("64KiB")).isEqualTo(65536);
        assertThat(Sizes.parse("1GiB")).isEqualTo(1L << 30);
        assertThat(Sizes.parse("2g")).isEqualTo(2L << 30);
        assertThat(Sizes.parse("3 M")).isEqualTo(3L << 20);
        assertThatThrownBy(() -> Sizes.parse("lots")).hasMessageContaining("is not a size");
        assertThatThrownBy(() -> Sizes.parse("99999999999P")).hasMessageContaining("too large");
        assertThat(Sizes.human(1536L << 20)).isEqualTo("1.5 GiB");
        assertThat(Sizes.human(100)).isEqualTo("100 B");
    }

    @Test
    void driveSpecsNameAPathAndOptions() {
        assertThat(DriveSpec.parse("/d/0.img,size=1GiB"))
                .isEqualTo(new DriveSpec(Path.of("/d/0.img"), OptionalLong.of(1L << 30), false));
        assertThat(DriveSpec.parse("/dev/sdb,format"))
                .isEqualTo(new DriveSpec(Path.of("/dev/sdb"), OptionalLong.empty(), true));
        assertThat(DriveSpec.parse("/d/1.img,size=1GiB,bandwidth=50MiB"))
                .isEqualTo(new DriveSpec(Path.of("/d/1.img"), OptionalLong.of(1L << 30), false, 50L << 20));
        assertThatThrownBy(() -> DriveSpec.parse("/d,bandwidth=0")).hasMessageContaining("bandwidth must be positive");
        assertThatThrownBy(() -> DriveSpec.parse("/d,color=red")).hasMessageContaining("unknown option 'color=red'");
        assertThatThrownBy(() -> DriveSpec.parse(",size=1G")).hasMessageContaining("has no path");
    }

    @Test
    void exportNamesCarryOptionalCredentials() {
        UUID id = UUID.randomUUID();
        assertThat(ExportName.parse(id.toString()).orElseThrow().key()).isEmpty();
        ExportName withKey = ExportName.parse(id + ";key=s3;gen=7").orElseThrow();
        assertThat(withKey.generation()).hasValue(7);
        assertThat(withKey.key()).hasValue("s3");
        assertThat(ExportName.parse(ExportName.of(id, 3, "k")).orElseThrow().generation())
                .hasValue(3);
        assertThat(ExportName.parse("disk")).isEmpty();
        assertThatThrownBy(() -> ExportName.parse(id + ";gen=x")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> ExportName.parse(id + ";user=root")).hasMessageContaining("unknown or repeated");
        assertThatThrownBy(() -> ExportName.parse(id + ";gen=1;gen=2")).hasMessageContaining("unknown or repeated");
    }

    @Test
    void labelsAreValidatedAndHostIsImplicit() {
        Map<String, String> labels = StorageNode.labels(Map.of("zone", "a"));
        assertThat(labels).containsEntry("zone", "a").containsKey("host");
        assertThat(StorageNode.labels(Map.of("host", "h1"))).containsEntry("host", "h1");
        assertThatThrownBy(() -> StorageNode.labels(Map.of("Zone", "a"))).hasMessageContaining("label key 'Zone'");
        assertThatThrownBy(() -> StorageNode.labels(Map.of("zone", "a b"))).hasMessageContaining("label value 'a b'");
    }
}
