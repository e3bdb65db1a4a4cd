package dev.cairn.control.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.placement.Sparing;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What follows the capacity when nodes of a larger kind join: the sparing space (enough to rebuild
 * the largest drive), and where the DKV grows (its new shards' KV volumes on the emptiest drives,
 * the new ones).
 */
class ExpansionTest {
    private final Scenario s = new Scenario();

    private double sparing() {
        return s.machine.read(st -> Sparing.fraction(st, 0));
    }

    @Test
    void sparingFollowsTheLargestDriveAsNodesJoin() {
        for (String zone : List.of("a", "b", "c", "d", "e", "f")) {
            s.node(zone, 10);
        }
        assertThat(sparing()).as("one drive of six equal ones").isEqualTo(10.0 / 60);
        List<UUID> large = new ArrayList<>();
        for (String zone : List.of("a", "b", "c")) {
            large.add(s.node(zone, 40));
        }
        // A 40 GiB drive of 180 GiB: its BStores need 2/9 of every other drive's space.
        assertThat(sparing()).isEqualTo(40.0 / 180);
        long sparingBytes = s.machine.read(st -> Sparing.bytes(st, 0));
        assertThat(sparingBytes)
                .isEqualTo(((long) (10L * Scenario.GIB * 40.0 / 180)) * 6
                        + ((long) (40L * Scenario.GIB * 40.0 / 180)) * 3);
        s.now += 60_000;
        s.apply(new Command.MarkNodeOffline(large.getFirst(), s.now, 1));
        assertThat(sparing())
                .as("an offline node's drives still count: a reprotect rebuilds them")
                .isEqualTo(40.0 / 180);
        assertThat(s.apply(new Command.RemoveNode(large.getFirst(), s.now)).message())
                .isEmpty();
        assertThat(sparing()).as("recomputed once the node is removed").isEqualTo(40.0 / 140);
    }

    @Test
    void theDkvGrowsOntoTheNodesThatJoined() {
        List<UUID> small = new ArrayList<>();
        for (String zone : List.of("a", "b", "c")) {
            small.add(s.node(zone, 1));
        }
        Command.DkvPlacement placement = new Command.DkvPlacement(3, 2, 0);
        assertThat(s.apply(reserve(1, placement)).message()).isEmpty();
        List<UUID> joined = new ArrayList<>();
        for (String zone : List.of("d", "e", "f")) {
            joined.add(s.node(zone, 4));
        }
        assertThat(s.apply(reserve(DkvLayout.DEFAULT_SLOTS_PER_SHARD, placement))
                        .message())
                .isEmpty();
        DkvLayout d = s.machine.read(ClusterState::dkv);
        assertThat(d.shards()).hasSize(2);
        assertThat(d.shards().get(1).mirrors())
                .as("the new shard's KV volumes go to the emptiest drives: the new nodes'")
                .allMatch(m -> joined.contains(m.nodeId()));
        assertThat(d.shards().get(0).mirrors()).allMatch(m -> small.contains(m.nodeId()));
    }

    private Command.ReserveDkvKeys reserve(long keys, Command.DkvPlacement placement) {
        return s.machine.read(st -> DkvPlanner.reserve(st, keys, placement, UUID::randomUUID, () -> "secret", s.now));
    }
}
