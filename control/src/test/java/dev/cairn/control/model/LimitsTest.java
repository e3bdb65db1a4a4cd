package dev.cairn.control.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.placement.Placement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class LimitsTest {

    @Test
    void sumsSaturateInsteadOfWrapping() {
        assertThat(Limits.addSaturated(1, 2)).isEqualTo(3);
        assertThat(Limits.addSaturated(Long.MAX_VALUE, 1)).isEqualTo(Long.MAX_VALUE);
        assertThat(Limits.addSaturated(Long.MAX_VALUE - 5, Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
        assertThat(Limits.addSaturated(Long.MIN_VALUE, -1)).isEqualTo(Long.MIN_VALUE);
        assertThat(Limits.addSaturated(Long.MIN_VALUE, Long.MAX_VALUE)).isEqualTo(-1);
        assertThat(Limits.addSaturated(-5, 3)).isEqualTo(-2);
    }

    @Test
    void theLargestVolumeHasALegLayoutFarFromOverflowing() {
        long extent = LegLayout.extentBytes(Limits.MAX_VOLUME_BYTES, 64 * 1024);
        assertThat(extent).isGreaterThan(Limits.MAX_VOLUME_BYTES).isLessThan(Limits.MAX_VOLUME_BYTES + (1L << 30));
        assertThat(LegLayout.allocatedBytes(Limits.MAX_DRIVE_BYTES)).isEqualTo(Limits.MAX_DRIVE_BYTES);
    }

    @Test
    void drivesReportedFullToTheBrimStillAddUpInPlacement() {
        // A node may report every drive at the limit; what placement and the views add up saturates.
        List<DriveState> drives = new ArrayList<>();
        for (int i = 0; i < Limits.MAX_DRIVES_PER_NODE; i++) {
            drives.add(new DriveState(
                    UUID.randomUUID(), Limits.MAX_DRIVE_BYTES, Limits.MAX_DRIVE_BYTES, 0, Limits.MAX_DRIVE_BYTES));
        }
        List<NodeRecord> nodes = new ArrayList<>();
        for (int n = 0; n < 40; n++) {
            nodes.add(new NodeRecord(
                    UUID.randomUUID(),
                    "n:1",
                    "http://n",
                    new TreeMap<>(Map.of("zone", "z" + n, "host", "n" + n)),
                    drives,
                    new TreeMap<>(),
                    List.of(),
                    NodeState.ONLINE,
                    0,
                    0,
                    Optional.empty(),
                    List.of(),
                    null));
        }
        ClusterState s = ClusterState.of(0, nodes, StorageClass.builtIns(), List.of(), List.of(), List.of());
        assertThat(Placement.of(s, 0.25).freeFractions().values()).allMatch(f -> f > 0.99 && f <= 1.0);
    }
}
