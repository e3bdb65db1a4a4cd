package dev.cairn.control.state;

import static dev.cairn.control.state.Scenario.GIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.LegLayout;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.model.PStoreLayout;
import dev.cairn.control.placement.Rebalance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The rebalance moves BStores: a 4+2 volume of six PStores fills eight nodes; two empty nodes join;
 * the plan moves BStores to them, one move of the volume at a time, each a rebuild marked move
 * onto a node and zone its PStore does not use, counted among the rebalance's moves once it ends.
 */
class RebalanceBStoresTest {
    private final ReprotectScenario r = new ReprotectScenario();
    private final Scenario s = r.s;
    private final RebalancePlanner.Settings settings = new RebalancePlanner.Settings(2, 0);
    private long ids;

    /** Each node reports the BStores the layouts put on it, and its drive's use. */
    private void report(List<PStoreLayout> layouts, Set<UUID> nodes) {
        Map<UUID, List<ObservedExtent>> on = new HashMap<>();
        nodes.forEach(n -> on.put(n, new ArrayList<>()));
        for (PStoreLayout p : layouts) {
            p.members()
                    .forEach(b -> on.get(b.nodeId())
                            .add(new ObservedExtent(b.extentId(), b.driveId(), p.bstoreBytes(), false, 1, true)));
        }
        on.forEach((node, extents) -> {
            DriveState d = s.machine.read(st -> st.nodes().get(node).drives().getFirst());
            long used = extents.stream()
                    .mapToLong(e -> LegLayout.allocatedBytes(e.sizeBytes()))
                    .sum();
            DriveState now = new DriveState(d.id(), d.capacityBytes(), d.dataBytes(), used, d.dataBytes() - used);
            long reconciled = s.machine.read(st -> st.appliedIndex());
            assertThat(s.apply(new Command.Heartbeat(node, List.of(now), extents, List.of(), reconciled, s.now))
                            .message())
                    .isEmpty();
        });
    }

    @Test
    void bStoresMoveToTheNodesThatJoinedOneMoveOfTheVolumeAtATime() {
        List<PStoreLayout> layouts = r.storedVolume("ec", 6);
        UUID volume = s.volume("ec").id();
        Set<UUID> all = new HashSet<>(r.zoneOf.keySet());
        UUID joined1 = s.node("z8", 10);
        UUID joined2 = s.node("z9", 10);
        all.add(joined1);
        all.add(joined2);
        report(layouts, all);
        Map<UUID, List<PStoreLayout>> known = Map.of(volume, layouts);

        RebalancePlanner.Outlook blind = s.machine.read(st -> RebalancePlanner.outlook(st, 0, Map.of()));
        assertThat(blind.spread()).as("BStores fill the eight drives").isGreaterThan(0.10);
        assertThat(blind.plan().moves())
                .as("without the layouts, nothing may move")
                .isEmpty();
        RebalancePlanner.Outlook o = s.machine.read(st -> RebalancePlanner.outlook(st, 0, known));
        assertThat(o.plan().moves()).isNotEmpty();
        // Mostly to the nodes that joined (an original node its PStore does not use may be emptier
        // than the others, and take one), never to a node holding another member of its PStore.
        assertThat(o.plan().moves())
                .anyMatch(m -> m.toNode().equals(joined1) || m.toNode().equals(joined2))
                .allSatisfy(m -> assertThat(m.item().group()).startsWith(volume + "/"))
                .allSatisfy(m -> {
                    PStoreLayout p = layouts.get(Integer.parseInt(
                            m.item().group().substring(m.item().group().indexOf('/') + 1)));
                    assertThat(p.members()).noneMatch(b -> b.nodeId().equals(m.toNode()));
                });

        List<Command> plan = s.machine.read(
                st -> RebalancePlanner.plan(st, s.now, settings, () -> new UUID(9, ++ids), () -> "abc" + ids, known));
        assertThat(plan).as("one move of a volume at a time").hasSize(1);
        Command.ReprotectBStores c = (Command.ReprotectBStores) plan.getFirst();
        assertThat(c.rebalance()).isTrue();
        ErasureLayout.Rebuild move = c.rebuilds().getFirst();
        assertThat(move.move()).isTrue();
        PStoreLayout p = layouts.get(move.pstore());
        assertThat(move.old()).isEqualTo(p.members().get(move.member()));
        Set<String> zones = new HashSet<>();
        p.members()
                .forEach(b -> zones.add(
                        s.machine.read(st -> st.nodes().get(b.nodeId()).label("zone"))));
        String to =
                s.machine.read(st -> st.nodes().get(move.replacement().nodeId()).label("zone"));
        assertThat(zones).doesNotContain(to);
        assertThat(move.sources()).hasSize(4).doesNotContain(move.member());

        assertThat(s.apply(c).message()).isEmpty();
        java.util.Optional<String> waiting = s.machine.read(st -> RebalancePlanner.waiting(st));
        assertThat(waiting).hasValue("volume ec is being created or reprotected");
        Map<UUID, Long> moving = s.machine.read(st -> st.rebalance().moving());
        assertThat(moving).containsOnlyKeys(move.replacement().extentId());
        assertThat(s.apply(new Command.BStoresReplaced(
                                volume,
                                List.of(new Command.Replaced(
                                        move.pstore(),
                                        move.member(),
                                        move.replacement().extentId())),
                                List.of(),
                                s.now))
                        .message())
                .isEmpty();
        long moves = s.machine.read(st -> st.rebalance().moves());
        long bytesMoved = s.machine.read(st -> st.rebalance().bytesMoved());
        assertThat(moves).isEqualTo(1);
        assertThat(bytesMoved).isEqualTo(LegLayout.allocatedBytes(p.bstoreBytes()));
        Map<UUID, Long> after = s.machine.read(st -> st.rebalance().moving());
        assertThat(after).isEmpty();
    }

    @Test
    void aVolumeGrowingOrRebuildingHasNoMovableBStores() {
        List<PStoreLayout> layouts = r.storedVolume("ec", GIB + GIB / 4);
        UUID volume = s.volume("ec").id();
        List<Rebalance.Item> items = s.machine.read(st -> RebalanceBStores.items(st, Map.of(volume, layouts)));
        assertThat(items).hasSize(12).allMatch(Rebalance.Item::movable);
        List<UUID> extents = new ArrayList<>();
        List<String> secrets = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            extents.add(UUID.randomUUID());
            secrets.add("abc" + i);
        }
        assertThat(s.apply(new Command.ResizeVolume(
                                "ec",
                                3 * GIB,
                                0,
                                s.now,
                                extents,
                                secrets,
                                dev.cairn.control.model.DkvLayout.FIRST_KEY + 60,
                                layouts.getLast().members(),
                                null))
                        .message())
                .isEmpty();
        List<Rebalance.Item> growing = s.machine.read(st -> RebalanceBStores.items(st, Map.of(volume, layouts)));
        assertThat(growing).hasSize(12).noneMatch(Rebalance.Item::movable);
    }
}
