package dev.cairn.control.state;

import static dev.cairn.control.state.Scenario.GIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.api.Views;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.LegLayout;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.model.PStoreLayout;
import dev.cairn.control.model.Volume;
import dev.cairn.control.placement.Placement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Growing an erasure-coded volume on the state machine: the PStores the new size adds are placed
 * as a new volume's, the last PStore's members are wanted larger in place, and the volume takes its
 * new size (and the added PStores' keys) when the restriper logs the growth over; every refusal
 * changes nothing.
 */
class ErasureGrowthTest {
    private static final long GROWN_KEY = DkvLayout.FIRST_KEY + 50;

    private final ReprotectScenario r = new ReprotectScenario();
    private final Scenario s = r.s;

    /** 1.25 GiB: a full PStore and one of 256 MiB. */
    private List<PStoreLayout> volume() {
        return r.storedVolume("v", GIB + GIB / 4);
    }

    private Command.ResizeVolume grow(long bytes, int bstores, long firstKey, List<PStoreLayout> layouts) {
        List<UUID> extents = new ArrayList<>();
        List<String> secrets = new ArrayList<>();
        for (int i = 0; i < bstores; i++) {
            extents.add(UUID.randomUUID());
            secrets.add(Integer.toHexString(5000 + i));
        }
        return new Command.ResizeVolume(
                "v",
                bytes,
                0,
                s.now,
                extents,
                secrets,
                firstKey,
                layouts.getLast().members(),
                null);
    }

    /** As {@link #grow}, the added PStores' keys reserved by the command itself ({@code keys} of them). */
    private Command.ResizeVolume growReserving(long bytes, int bstores, int keys, List<PStoreLayout> layouts) {
        Command.ResizeVolume c = grow(bytes, bstores, 0, layouts);
        Command.ReserveDkvKeys reservation = s.machine.read(
                st -> DkvPlanner.reserve(st, keys, DkvStateTest.PLACEMENT, UUID::randomUUID, () -> "secret", s.now));
        return new Command.ResizeVolume(
                c.volume(),
                c.sizeBytes(),
                c.spareFraction(),
                c.atMillis(),
                c.extentIds(),
                c.secrets(),
                0,
                c.lastMembers(),
                reservation);
    }

    private long reservedKeys() {
        DkvLayout d = s.machine.read(ClusterState::dkv);
        return d.reservedKeys();
    }

    private ErasureLayout layout() {
        return s.volume("v").erasure().orElseThrow();
    }

    /** Every node reports the added BStores, and the last PStore's grown to {@code lastBytes} (0: not). */
    private void report(List<PStoreLayout> layouts, long lastBytes) {
        Map<UUID, List<ObservedExtent>> on = new HashMap<>();
        ErasureLayout.Growth g = layout().growing().orElseThrow();
        for (ErasureLayout.PStorePlacement ps : g.added()) {
            ps.members()
                    .forEach(b -> on.computeIfAbsent(b.nodeId(), n -> new ArrayList<>())
                            .add(new ObservedExtent(b.extentId(), b.driveId(), ps.bstoreBytes(), false, 1, true)));
        }
        for (PStoreLayout p : layouts) {
            long bytes = p.index() == layouts.size() - 1 && lastBytes > 0 ? lastBytes : p.bstoreBytes();
            p.members()
                    .forEach(b -> on.computeIfAbsent(b.nodeId(), n -> new ArrayList<>())
                            .add(new ObservedExtent(b.extentId(), b.driveId(), bytes, false, 1, true)));
        }
        on.forEach((node, extents) ->
                assertThat(s.heartbeat(node, extents).message()).isEmpty());
    }

    @Test
    void theAddedPStoresArePlacedTheLastOneGrowsInPlaceAndTheVolumeGrowsWhenTheGrowthIsLoggedOver() {
        List<PStoreLayout> layouts = volume();
        ErasureLayout before = layout();
        assertThat(before.pstores()).isEqualTo(2);
        long lastBefore = before.bstoreBytes(1, GIB + GIB / 4);
        UUID lastDrive = layouts.getLast().members().getFirst().driveId();
        long freeBefore =
                s.machine.read(st -> Placement.of(st, 0).freeOn(lastDrive)).orElseThrow();

        // 2.5 GiB: PStore 1 becomes a full one, PStore 2 of 512 MiB is added.
        Outcome o = s.apply(grow(2 * GIB + GIB / 2, 6, GROWN_KEY, layouts));
        assertThat(o.message()).isEmpty();
        Volume growing = s.volume("v");
        assertThat(growing.sizeBytes()).as("not before the growth is over").isEqualTo(GIB + GIB / 4);
        ErasureLayout.Growth g = layout().growing().orElseThrow();
        assertThat(g.toBytes()).isEqualTo(2 * GIB + GIB / 2);
        assertThat(g.added()).hasSize(1);
        assertThat(g.added().getFirst().key()).isEqualTo(GROWN_KEY);
        assertThat(g.added().getFirst().bstoreBytes()).isEqualTo(before.headerBytes() + GIB / 2 / 4);
        Set<UUID> distinct = new HashSet<>();
        g.added().getFirst().members().forEach(b -> distinct.add(b.nodeId()));
        assertThat(distinct).as("6 BStores on 6 distinct nodes (zones)").hasSize(6);
        long lastAfter = before.headerBytes() + GIB / 4;
        assertThat(g.lastBStoreBytes()).isEqualTo(lastAfter);
        assertThat(ResizeCommands.growingTo(s.machine.read(st -> st), growing)).hasValue(2 * GIB + GIB / 2);
        // The nodes are told: the new BStores, and the last PStore's larger.
        ErasureLayout.BStorePlacement added = g.added().getFirst().members().getFirst();
        assertThat(s.machine.desired(added.nodeId()).pendingBStores())
                .extracting(Views.DesiredExtent::id)
                .contains(added.extentId());
        ErasureLayout.BStorePlacement lastMember = layouts.getLast().members().getFirst();
        assertThat(ErasureViews.on(lastMember.nodeId(), layout(), layouts.getLast()))
                .extracting(Views.DesiredExtent::sizeBytes)
                .containsExactly(lastAfter);
        assertThat(ErasureViews.on(lastMember.nodeId(), layout(), layouts.getFirst()))
                .as("a PStore before the last keeps its size")
                .allMatch(d -> d.sizeBytes() == layouts.getFirst().bstoreBytes());
        // Placement counts the growth the nodes have not made yet.
        long freeGrowing =
                s.machine.read(st -> Placement.of(st, 0).freeOn(lastDrive)).orElseThrow();
        long charged = LegLayout.allocatedBytes(lastAfter) - LegLayout.allocatedBytes(lastBefore);
        assertThat(freeBefore - freeGrowing).isGreaterThanOrEqualTo(charged);

        assertThat(s.apply(new Command.ErasureGrown(growing.id(), s.now)).status())
                .as("not while a BStore is not made")
                .isEqualTo(Outcome.Status.CONFLICT);
        assertThat(s.volume("v").sizeBytes()).isEqualTo(GIB + GIB / 4);
        report(layouts, lastAfter);
        assertThat(s.apply(new Command.ErasureGrown(growing.id(), s.now)).message())
                .isEmpty();
        Volume grown = s.volume("v");
        assertThat(grown.sizeBytes()).isEqualTo(2 * GIB + GIB / 2);
        ErasureLayout e = layout();
        assertThat(e.growing()).isEmpty();
        assertThat(e.pstores()).isEqualTo(3);
        assertThat(e.key(0)).isEqualTo(before.key(0));
        assertThat(e.key(1)).isEqualTo(before.key(1));
        assertThat(e.key(2)).isEqualTo(GROWN_KEY);
        assertThat(e.bstoreBytes(1, grown.sizeBytes())).isEqualTo(lastAfter);
        assertThat(e.nodes()).containsAll(distinct);
        assertThat(s.machine.desired(added.nodeId()).pendingBStores())
                .as("read from the DKV from now on")
                .extracting(Views.DesiredExtent::id)
                .doesNotContain(added.extentId());
        // Logged again (a restriper that died before it heard the answer): nothing changes.
        assertThat(s.apply(new Command.ErasureGrown(growing.id(), s.now)).message())
                .isEmpty();
        assertThat(layout()).isEqualTo(e);
    }

    @Test
    void aVolumeDeletedWhileGrowingLeavesNoBStoreBehind() {
        List<PStoreLayout> layouts = volume();
        assertThat(s.apply(grow(2 * GIB + GIB / 2, 6, GROWN_KEY, layouts)).message())
                .isEmpty();
        ErasureLayout.Growth g = layout().growing().orElseThrow();
        List<Command.Orphaned> known = new ArrayList<>();
        layouts.forEach(p ->
                p.members().forEach(b -> known.add(new Command.Orphaned(b.extentId(), b.nodeId(), p.bstoreBytes()))));
        assertThat(s.apply(new Command.DeleteVolume("v", s.now, known)).message())
                .isEmpty();
        Set<UUID> orphans = s.machine.read(st -> Set.copyOf(st.orphans().keySet()));
        g.added().getFirst().members().forEach(b -> assertThat(orphans).contains(b.extentId()));
        assertThat(orphans).hasSize(18);
    }

    @Test
    void aGrowthWithinTheLastPStoreAddsNoneAndNeedsNoKeys() {
        List<PStoreLayout> layouts = volume();
        Outcome o = s.apply(grow(GIB + GIB / 2, 0, 0, layouts));
        assertThat(o.message()).isEmpty();
        ErasureLayout.Growth g = layout().growing().orElseThrow();
        assertThat(g.added()).isEmpty();
        assertThat(g.lastBStoreBytes()).isEqualTo(layout().headerBytes() + GIB / 2 / 4);
        report(layouts, g.lastBStoreBytes());
        assertThat(s.apply(new Command.ErasureGrown(s.volume("v").id(), s.now)).message())
                .isEmpty();
        assertThat(s.volume("v").sizeBytes()).isEqualTo(GIB + GIB / 2);
        assertThat(layout().pstores()).isEqualTo(2);
        assertThat(layout().keyRanges()).hasSize(1);
    }

    /**
     * A growth (and a creation) carries the reservation of its new PStores' keys, applied with it:
     * a refused one reserves none, however often it is asked.
     */
    @Test
    void theAddedPStoresKeysAreReservedWithTheGrowthAndARefusedOneReservesNone() {
        List<PStoreLayout> layouts = volume();
        long reserved = reservedKeys();
        UUID lastNode = layouts.getLast().members().getFirst().nodeId();
        r.offline(lastNode);
        for (int i = 0; i < 3; i++) {
            Outcome refused = s.apply(growReserving(2 * GIB + GIB / 2, 6, 1, layouts));
            assertThat(refused.status()).isEqualTo(Outcome.Status.UNPLACEABLE);
        }
        List<String> ids = new ArrayList<>();
        List<String> secrets = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(UUID.randomUUID().toString());
            secrets.add("abc" + i);
        }
        Command.CreateVolume taken = new Command.CreateVolume(
                UUID.randomUUID(),
                "v",
                GIB,
                "ec",
                ids.stream().map(UUID::fromString).toList(),
                secrets,
                0,
                s.now,
                0,
                s.machine.read(st ->
                        DkvPlanner.reserve(st, 1, DkvStateTest.PLACEMENT, UUID::randomUUID, () -> "secret", s.now)));
        assertThat(s.apply(taken).status()).isEqualTo(Outcome.Status.CONFLICT);
        assertThat(reservedKeys()).as("nothing reserved by refused commands").isEqualTo(reserved);

        assertThat(s.heartbeat(lastNode, List.of()).message()).isEmpty();
        assertThat(s.apply(growReserving(2 * GIB + GIB / 2, 6, 1, layouts)).message())
                .isEmpty();
        assertThat(reservedKeys()).isEqualTo(reserved + 1);
        assertThat(layout().growing().orElseThrow().firstKey())
                .as("the reservation's first key")
                .isEqualTo(DkvLayout.FIRST_KEY + reserved);
    }

    @Test
    void refusalsSayWhyAndChangeNothing() {
        List<PStoreLayout> layouts = volume();
        ClusterState before = s.machine.read(st -> st.copy());
        Outcome shrink = s.apply(grow(GIB, 0, 0, layouts));
        assertThat(shrink.status()).isEqualTo(Outcome.Status.INVALID);
        assertThat(shrink.message()).contains("a volume never shrinks");
        Outcome count = s.apply(grow(3 * GIB + GIB / 2, 6, GROWN_KEY, layouts));
        assertThat(count.status()).isEqualTo(Outcome.Status.INVALID);
        assertThat(count.message())
                .isEqualTo("growing volume 'v' to " + (3 * GIB + GIB / 2)
                        + " bytes adds 2 PStores of 6 BStores, the command carries 6 extent ids and 6 secrets");
        Outcome keys = s.apply(grow(3 * GIB + GIB / 2, 12, layout().key(0), layouts));
        assertThat(keys.status()).isEqualTo(Outcome.Status.CONFLICT);
        assertThat(keys.message()).contains("are volume 'v''s");
        // The two nodes without a BStore of the last PStore offline: six drives of 10 GiB hold 60 GiB,
        // and 45 GiB of 4+2 takes 67.5 GiB.
        Set<UUID> others = new HashSet<>(r.zoneOf.keySet());
        layouts.getLast().members().forEach(b -> others.remove(b.nodeId()));
        others.forEach(r::offline);
        Outcome huge = s.apply(grow(45 * GIB, 6 * 43, GROWN_KEY, layouts));
        assertThat(huge.status()).isEqualTo(Outcome.Status.UNPLACEABLE);
        assertThat(huge.message())
                .startsWith("volume 'v' cannot grow to 45.0 GiB (class ec, 4+2 across zone): PStore 41 of 45 needs 6"
                        + " distinct values of 'zone' with room");
        others.forEach(n -> assertThat(s.heartbeat(n, List.of()).message()).isEmpty());
        UUID lastNode = layouts.getLast().members().getFirst().nodeId();
        r.offline(lastNode);
        Outcome offline = s.apply(grow(2 * GIB + GIB / 2, 6, GROWN_KEY, layouts));
        assertThat(offline.status()).isEqualTo(Outcome.Status.UNPLACEABLE);
        assertThat(offline.message())
                .isEqualTo(
                        "volume 'v' cannot grow: a BStore of PStore 1 is on node "
                                + s.machine.read(st -> st.nodes().get(lastNode).name())
                                + ", which is offline or draining; grow the volume once the node is back or the BStore rebuilt");
        Map<UUID, Volume> volumes = s.machine.read(st -> Map.copyOf(st.volumes()));
        assertThat(volumes).isEqualTo(Map.copyOf(before.volumes()));

        assertThat(s.heartbeat(lastNode, List.of()).message()).isEmpty();
        assertThat(s.apply(grow(2 * GIB + GIB / 2, 6, GROWN_KEY, layouts)).message())
                .isEmpty();
        Outcome again = s.apply(grow(3 * GIB, 12, GROWN_KEY + 10, layouts));
        assertThat(again.status()).isEqualTo(Outcome.Status.CONFLICT);
        assertThat(again.message())
                .isEqualTo("volume 'v' is growing to 2.5 GiB (its nodes are making their part);"
                        + " grow it further once that is done");
        assertThat(s.apply(grow(2 * GIB + GIB / 2, 6, GROWN_KEY + 10, layouts)).message())
                .as("the same size again: done already")
                .isEmpty();
        assertThat(layout().growing().orElseThrow().firstKey()).isEqualTo(GROWN_KEY);
    }
}
