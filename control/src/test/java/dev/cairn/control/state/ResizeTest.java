package dev.cairn.control.state;

import static dev.cairn.control.state.Scenario.GIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegLayout;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.model.Volume;
import dev.cairn.control.placement.Placement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Growing a replicated volume on the state machine: its legs' extents are wanted larger at once,
 * and the volume takes the new size when the last node reports its extent grown; every refusal
 * changes nothing.
 */
class ResizeTest {
    private final Scenario s = new Scenario();
    private final List<UUID> nodes = new ArrayList<>();

    private Volume threeLegs(long driveGib) {
        for (String zone : List.of("a", "b", "c")) {
            nodes.add(s.node(zone, driveGib));
        }
        return s.availableVolume("v", "zone-3", 3);
    }

    private Outcome resize(String volume, long bytes) {
        return s.apply(new Command.ResizeVolume(volume, bytes, 0, s.now));
    }

    /** The node reports its legs' extents at {@code sizeBytes} (or as placed, when 0). */
    private void report(UUID node, long sizeBytes) {
        List<ObservedExtent> extents = s.legsOn(node).stream()
                .map(e -> new ObservedExtent(
                        e.id(), e.driveId(), sizeBytes == 0 ? e.sizeBytes() : sizeBytes, false, e.generation()))
                .toList();
        assertThat(s.heartbeat(node, extents).message()).isEmpty();
    }

    @Test
    void everyLegIsWantedLargerAndTheVolumeGrowsWhenTheLastNodeHasGrownItsExtent() {
        Volume before = threeLegs(10);
        long region =
                before.legs().getFirst().extentSizeBytes() - LegLayout.headerBytes(GIB, 1 << 20) == GIB ? 1 << 20 : 0;
        assertThat(region).as("1 MiB regions").isEqualTo(1 << 20);
        long grown = LegLayout.extentBytes(3 * GIB, region);

        assertThat(resize("v", 3 * GIB).message()).isEmpty();
        Volume growing = s.volume("v");
        assertThat(growing.sizeBytes())
                .as("not before the nodes grew the extents")
                .isEqualTo(GIB);
        assertThat(growing.legs()).extracting(Leg::extentSizeBytes).containsOnly(grown);
        assertThat(ResizeCommands.growingTo(s.machine.read(st -> st), growing)).hasValue(3 * GIB);
        assertThat(s.machine.desired(nodes.getFirst()).legs().getFirst().extentSizeBytes())
                .as("what the node is told")
                .isEqualTo(grown);
        assertThat(s.machine.desired(nodes.getFirst()).changedAt()).isEqualTo(s.log.size());
        Placement p = s.machine.read(st -> Placement.of(st, 0));
        assertThat(p.freeOn(growing.legs().getFirst().driveId()))
                .as("the growth not yet made is counted as taken (the drive reports its 10 GiB free)")
                .hasValue(10 * GIB
                        - (LegLayout.allocatedBytes(grown)
                                - LegLayout.allocatedBytes(
                                        before.legs().getFirst().extentSizeBytes())));
        s.agent("h1");
        assertThat(s.attach("v", "h1", false).message())
                .as("attached meanwhile, at the size it has")
                .isEmpty();
        assertThat(s.machine.agentDesired("h1").volumes().getFirst().sizeBytes())
                .isEqualTo(GIB);
        long agentSawAt = s.machine.agentDesired("h1").changedAt();

        report(nodes.get(0), grown);
        report(nodes.get(1), grown);
        assertThat(s.volume("v").sizeBytes()).isEqualTo(GIB);
        report(nodes.get(2), grown);
        assertThat(s.volume("v").sizeBytes()).isEqualTo(3 * GIB);
        assertThat(s.machine.agentDesired("h1").changedAt())
                .as("its agent is told")
                .isGreaterThan(agentSawAt);
        assertThat(s.machine.agentDesired("h1").volumes().getFirst().sizeBytes())
                .isEqualTo(3 * GIB);
        assertThat(ResizeCommands.growingTo(s.machine.read(st -> st), s.volume("v")))
                .isEmpty();
        assertThat(resize("v", 3 * GIB).message())
                .as("its size already: nothing to do")
                .isEmpty();
    }

    @Test
    void aGrowthThatCannotBeMadeIsRefusedSayingWhyAndChangesNothing() {
        threeLegs(4);
        s.agent("h1");
        Volume before = s.volume("v");

        assertThat(resize("v", GIB / 2).message()).contains("is 1.0 GiB").contains("a volume never shrinks");
        assertThat(resize("v", GIB + 100).message()).contains("not a multiple of 4096");
        assertThat(resize("v", 8 * GIB).message())
                .startsWith("volume 'v' cannot grow: leg 0's drive")
                .contains("the growth needs 7.0 GiB");
        assertThat(resize("v", 16L << 40).message())
                .contains("grows to at most 8.0 TiB (8761733283840 bytes")
                .contains("regions of 1.0 MiB");
        assertThat(resize("nope", 2 * GIB).message()).isEqualTo("no volume 'nope'");
        assertThat(s.createVolume("x", GIB, "zone-3", 3).message()).isEmpty();
        assertThat(resize("x", 2 * GIB).message()).contains("is CREATING: not every leg exists yet");
        assertThat(s.volume("v").legs()).isEqualTo(before.legs());
        assertThat(s.volume("v").legs())
                .extracting(Leg::extentSizeBytes)
                .containsOnly(before.legs().getFirst().extentSizeBytes());
        assertThat(s.volume("v").sizeBytes()).isEqualTo(GIB);
    }

    @Test
    void aGrowthAlreadyAskedForCannotBeUndoneAndALargerOneReplacesIt() {
        threeLegs(10);
        assertThat(resize("v", 4 * GIB).message()).isEmpty();
        assertThat(resize("v", 2 * GIB).message())
                .contains("growing to 4.0 GiB")
                .contains("never shrinks");
        assertThat(resize("v", 5 * GIB).message()).isEmpty();
        long grown = LegLayout.extentBytes(5 * GIB, 1 << 20);
        nodes.forEach(n -> report(n, grown));
        assertThat(s.volume("v").sizeBytes()).isEqualTo(5 * GIB);
    }
}
