package dev.cairn.control.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.ErasureCode;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.LegSync;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.Orphan;
import dev.cairn.control.model.PStoreLayout;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import dev.cairn.control.model.VolumeReport;
import dev.cairn.control.placement.Sparing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Reprotect's steps on the state machine: which BStores the planner rebuilds and where, the
 * rebuild in the state (the new BStore desired on its node, the old one kept from the agent), its
 * end (the old BStore an orphan), and the sparing space new volumes leave.
 */
class ReprotectTest {
    private final ReprotectScenario fixture = new ReprotectScenario();
    private final Scenario s = fixture.s;

    @Test
    void aBStoreLostPastTheRepairTimeoutIsRebuiltOnANodeAndZoneItsPStoreDoesNotUse() {
        List<PStoreLayout> layouts = fixture.storedVolume("ec", 1);
        ErasureLayout.BStorePlacement lost = layouts.getFirst().members().get(2);
        fixture.offline(lost.nodeId());
        s.now += ReprotectScenario.TIMEOUT_MILLIS - 1;
        assertThat(fixture.plan("ec", layouts, 2).rebuilds())
                .as("within the repair timeout")
                .isEmpty();
        s.now += 1;
        ReprotectPlanner.Plan plan = fixture.plan("ec", layouts, 2);
        assertThat(plan.rebuilds()).hasSize(1);
        ErasureLayout.Rebuild r = plan.rebuilds().getFirst();
        assertThat(r.pstore()).isZero();
        assertThat(r.member()).isEqualTo(2);
        assertThat(r.old()).isEqualTo(lost);
        Set<String> zones = new HashSet<>();
        layouts.getFirst().members().forEach(b -> zones.add(fixture.zoneOf.get(b.nodeId())));
        assertThat(zones).doesNotContain(fixture.zoneOf.get(r.replacement().nodeId()));

        assertThat(s.apply(new Command.ReprotectBStores(s.volume("ec").id(), plan.rebuilds(), s.now))
                        .isOk())
                .isTrue();
        // The new BStore is desired on its node, at the volume's generation; planned once only.
        var desired = s.machine.desired(r.replacement().nodeId());
        assertThat(desired.pendingBStores())
                .anyMatch(d -> d.id().equals(r.replacement().extentId()) && d.generation() == 1);
        assertThat(fixture.plan("ec", layouts, 2).rebuilds()).isEmpty();
        assertThat(s.apply(new Command.ReprotectBStores(s.volume("ec").id(), plan.rebuilds(), s.now))
                        .message())
                .contains("is being rebuilt already");
        // Its agent is told to leave the old one.
        Volume v = s.volume("ec");
        AgentApi.AttachedErasure view = s.machine.read(st -> ErasureViews.withPStores(
                st, v.erasure().orElseThrow(), ErasureViews.geometry(v.erasure().orElseThrow()), layouts));
        assertThat(view.pstores().getFirst().stream().map(AgentApi.AttachedLeg::kept))
                .containsExactly(false, false, true, false, false, false);

        // Filled: the layout names it and the old one becomes an orphan its node erases.
        Command.BStoresReplaced done = new Command.BStoresReplaced(
                v.id(), List.of(new Command.Replaced(0, 2, r.replacement().extentId())), List.of(), s.now);
        assertThat(s.apply(done).isOk()).isTrue();
        assertThat(s.volume("ec").erasure().orElseThrow().rebuilds()).isEmpty();
        Orphan o = s.machine.read(st -> st.orphans().get(lost.extentId()));
        assertThat(o.erase()).isTrue();
        assertThat(o.nodeId()).isEqualTo(lost.nodeId());
        assertThat(s.apply(done).isOk()).as("logged again by a new leader").isTrue();
    }

    @Test
    void aDrainedNodesBStoreMovesAtOnceAndItsAgentKeepsItInUseUntilItsReplacementTakesItsPlace() {
        List<PStoreLayout> layouts = fixture.storedVolume("ec", 1);
        ErasureLayout.BStorePlacement moving = layouts.getFirst().members().get(3);
        assertThat(s.apply(new Command.DrainNode(moving.nodeId(), s.now)).isOk())
                .isTrue();
        ReprotectPlanner.Plan plan = fixture.plan("ec", layouts, 2);
        assertThat(plan.rebuilds())
                .as("no repair timeout to wait for: the node is well")
                .hasSize(1);
        ErasureLayout.Rebuild r = plan.rebuilds().getFirst();
        assertThat(r.member()).isEqualTo(3);
        assertThat(r.move()).isTrue();
        assertThat(r.old()).isEqualTo(moving);
        Set<UUID> others = new HashSet<>();
        layouts.getFirst().members().forEach(b -> others.add(b.nodeId()));
        assertThat(others).doesNotContain(r.replacement().nodeId());
        assertThat(s.apply(new Command.ReprotectBStores(s.volume("ec").id(), plan.rebuilds(), s.now))
                        .message())
                .isEmpty();
        assertThat(fixture.plan("ec", layouts, 2).rebuilds()).isEmpty();
        Volume v = s.volume("ec");
        AgentApi.AttachedErasure view = s.machine.read(st -> ErasureViews.withPStores(
                st, v.erasure().orElseThrow(), ErasureViews.geometry(v.erasure().orElseThrow()), layouts));
        assertThat(view.pstores().getFirst().stream().map(AgentApi.AttachedLeg::kept))
                .as("not left: it is well")
                .containsOnly(false);
        assertThat(view.pstores().getFirst().stream().map(AgentApi.AttachedLeg::moving))
                .containsExactly(false, false, false, true, false, false);
        List<String> removal = s.machine.read(st -> NodeRemoval.holdings(st, moving.nodeId()));
        assertThat(removal).anyMatch(x -> x.startsWith("BStores of erasure-coded volume ec"));

        assertThat(s.apply(new Command.BStoresReplaced(
                                v.id(),
                                List.of(new Command.Replaced(
                                        0, 3, r.replacement().extentId())),
                                List.of(),
                                s.now))
                        .isOk())
                .isTrue();
        Orphan o = s.machine.read(st -> st.orphans().get(moving.extentId()));
        assertThat(o.erase()).as("the drained node erases the old one").isTrue();
    }

    /**
     * A move of an attached volume's BStore: its agent still reads and writes the old BStore until
     * it has switched to the new one, so the old one is kept (not erased, the node not removable, the
     * drain not done, the rebalance waiting) until the agent's report no longer names it.
     */
    @Test
    void aMovedBStoreOfAnAttachedVolumeIsKeptUntilItsAgentNoLongerNamesIt() {
        ErasureLayout.BStorePlacement moving = movedWhileAttached(3, true);
        Volume v = s.volume("ec");
        Orphan held = s.machine.read(st -> st.orphans().get(moving.extentId()));
        assertThat(held.erase()).as("its agent may still use it").isFalse();
        assertThat(held.heldBy()).contains(v.id());
        assertThat(held.reason()).contains("kept while the agent on host 'h1' still uses it");
        assertThat(s.machine.desired(moving.nodeId()).erase()).doesNotContain(moving.extentId());
        List<String> holdings = s.machine.read(st -> NodeRemoval.holdings(st, moving.nodeId()));
        assertThat(holdings).anyMatch(x -> x.startsWith("moved BStores of volume ec that their agent still uses"));
        assertThat(s.apply(new Command.UndrainNode(moving.nodeId())).isOk()).isTrue();
        Optional<String> rebalance = s.machine.read(st -> RebalancePlanner.waiting(st));
        assertThat(rebalance)
                .contains("a moved BStore is still used by its volume's agent, until it switches to the new one");
        Command.AgentHeartbeat same = new Command.AgentHeartbeat(
                "h1", "h1:10810", List.of(report(v, Map.of(moving.extentId(), true))), s.now);
        assertThat(s.machine.changesOnlyLiveness(same))
                .as("a report still naming it changes nothing")
                .isTrue();
        assertThat(s.apply(same).isOk()).isTrue();
        assertThat(erasing(moving)).isFalse();

        // Switched: the next report does not name it (nothing else changed: still a log entry).
        Command.AgentHeartbeat switched =
                new Command.AgentHeartbeat("h1", "h1:10810", List.of(report(v, Map.of())), s.now);
        assertThat(s.machine.changesOnlyLiveness(switched)).isFalse();
        assertThat(s.apply(switched).isOk()).isTrue();
        Orphan erasable = s.machine.read(st -> st.orphans().get(moving.extentId()));
        assertThat(erasable.erase()).isTrue();
        assertThat(erasable.reason()).endsWith("its agent switched to the new BStore");
        assertThat(s.machine.desired(moving.nodeId()).erase()).contains(moving.extentId());
    }

    @Test
    void aMovedBStoreKeptForItsAgentIsErasedOnceTheVolumeIsDetached() {
        ErasureLayout.BStorePlacement moving = movedWhileAttached(1, false);
        assertThat(erasing(moving)).isFalse();
        assertThat(s.apply(new Command.DetachVolume("ec", s.now)).isOk()).isTrue();
        assertThat(erasing(moving)).isTrue();
    }

    /**
     * Volume "ec" attached to h1; member {@code member} of PStore 0 moved off its drained node
     * (its agent naming it in use first, if {@code reported}); the old BStore.
     */
    private ErasureLayout.BStorePlacement movedWhileAttached(int member, boolean reported) {
        List<PStoreLayout> layouts = fixture.storedVolume("ec", 1);
        assertThat(s.agent("h1").isOk()).isTrue();
        assertThat(s.attach("ec", "h1", false).isOk()).isTrue();
        ErasureLayout.BStorePlacement moving = layouts.getFirst().members().get(member);
        assertThat(s.apply(new Command.DrainNode(moving.nodeId(), s.now)).isOk())
                .isTrue();
        ErasureLayout.Rebuild r = fixture.plan("ec", layouts, 2).rebuilds().getFirst();
        Volume v = s.volume("ec");
        assertThat(s.apply(new Command.ReprotectBStores(v.id(), List.of(r), s.now))
                        .isOk())
                .isTrue();
        if (reported) {
            assertThat(s.agent("h1", report(v, Map.of(moving.extentId(), true))).isOk())
                    .isTrue();
        }
        Command.Replaced done = new Command.Replaced(0, member, r.replacement().extentId());
        assertThat(s.apply(new Command.BStoresReplaced(v.id(), List.of(done), List.of(), s.now))
                        .isOk())
                .isTrue();
        return moving;
    }

    /** The agent's report of erasure-coded volume {@code v}: these BStores, in sync or not. */
    private static VolumeReport report(Volume v, Map<UUID, Boolean> inSync) {
        TreeMap<UUID, LegSync> bstores = new TreeMap<>();
        inSync.forEach((id, ok) -> bstores.put(
                id, new LegSync(ok ? AgentApi.LegSyncState.IN_SYNC : AgentApi.LegSyncState.FAILED, Optional.empty())));
        return new VolumeReport(v.id(), v.generation(), bstores, new AgentApi.ResyncReport(0, 0, 0, 0));
    }

    private boolean erasing(ErasureLayout.BStorePlacement b) {
        Orphan o = s.machine.read(st -> st.orphans().get(b.extentId()));
        return o.erase();
    }

    @Test
    void aPStoreWithFewerThanKReadableBStoresWaitsAndSaysWhy() {
        List<PStoreLayout> layouts = fixture.storedVolume("ec", 1);
        for (int i = 0; i < 3; i++) {
            fixture.offline(layouts.getFirst().members().get(i).nodeId());
        }
        s.now += ReprotectScenario.TIMEOUT_MILLIS;
        ReprotectPlanner.Plan plan = fixture.plan("ec", layouts, 2);
        assertThat(plan.rebuilds()).isEmpty();
        assertThat(plan.waiting())
                .containsExactly("PStore 0: only 3 BStores left to read, 4 needed: waiting for a lost one to return");
    }

    @Test
    void aNodeRunsAtMostItsShareOfRebuildsAtOnce() {
        List<PStoreLayout> layouts = fixture.storedVolume("ec", 2);
        // A node holding a BStore of both PStores.
        Set<UUID> first = new HashSet<>();
        layouts.get(0).members().forEach(b -> first.add(b.nodeId()));
        UUID both = layouts.get(1).members().stream()
                .map(ErasureLayout.BStorePlacement::nodeId)
                .filter(first::contains)
                .findFirst()
                .orElseThrow();
        fixture.offline(both);
        s.now += ReprotectScenario.TIMEOUT_MILLIS;
        List<ErasureLayout.Rebuild> rebuilds = fixture.plan("ec", layouts, 1).rebuilds();
        assertThat(rebuilds).hasSize(2);
        assertThat(rebuilds.get(0).replacement().nodeId())
                .isNotEqualTo(rebuilds.get(1).replacement().nodeId());
    }

    @Test
    void theWrongReplacementIsRefusedAndNothingChanges() {
        List<PStoreLayout> layouts = fixture.storedVolume("ec", 1);
        fixture.offline(layouts.getFirst().members().get(0).nodeId());
        s.now += ReprotectScenario.TIMEOUT_MILLIS;
        ReprotectPlanner.Plan plan = fixture.plan("ec", layouts, 2);
        UUID volume = s.volume("ec").id();
        ErasureLayout.Rebuild r = plan.rebuilds().getFirst();
        ErasureLayout.Rebuild readsItself = new ErasureLayout.Rebuild(
                r.pstore(),
                r.member(),
                r.bstoreBytes(),
                r.old(),
                r.replacement(),
                r.sinceMillis(),
                List.of(0, 1, 2, 3));
        Outcome poison = s.apply(new Command.ReprotectBStores(volume, List.of(readsItself), s.now));
        assertThat(poison.isOk()).isFalse();
        assertThat(poison.message()).contains("must be distinct other members, got [0, 1, 2, 3]");
        assertThat(s.volume("ec").erasure().orElseThrow().rebuilds()).isEmpty();
        s.apply(new Command.ReprotectBStores(volume, plan.rebuilds(), s.now));
        Outcome wrong = s.apply(new Command.BStoresReplaced(
                volume, List.of(new Command.Replaced(0, 0, UUID.randomUUID())), List.of(), s.now));
        assertThat(wrong.isOk()).isFalse();
        assertThat(wrong.message()).contains("is being rebuilt into");
        assertThat(s.volume("ec").erasure().orElseThrow().rebuilds()).hasSize(1);
        boolean noOrphans = s.machine.read(st -> st.orphans().isEmpty());
        assertThat(noOrphans).isTrue();
    }

    private double fraction(double configured) {
        double f = s.machine.read(st -> Sparing.fraction(st, configured));
        return f;
    }

    private Outcome createSized(String name, int gib) {
        List<UUID> extents = new ArrayList<>();
        List<String> secrets = new ArrayList<>();
        for (int i = 0; i < 6 * gib; i++) {
            extents.add(UUID.randomUUID());
            secrets.add("ab" + i);
        }
        return s.apply(new Command.CreateVolume(
                UUID.randomUUID(),
                name,
                gib * Scenario.GIB,
                "ec",
                extents,
                secrets,
                0,
                s.now,
                DkvLayout.FIRST_KEY,
                null));
    }

    @Test
    void aVolumeDeletedWhileABStoreIsRebuiltLeavesNoneBehind() {
        List<PStoreLayout> layouts = fixture.storedVolume("ec", 1);
        fixture.offline(layouts.getFirst().members().get(5).nodeId());
        s.now += ReprotectScenario.TIMEOUT_MILLIS;
        ReprotectPlanner.Plan plan = fixture.plan("ec", layouts, 2);
        s.apply(new Command.ReprotectBStores(s.volume("ec").id(), plan.rebuilds(), s.now));
        List<Command.Orphaned> inLayouts = new ArrayList<>();
        layouts.getFirst()
                .members()
                .forEach(b -> inLayouts.add(new Command.Orphaned(
                        b.extentId(), b.nodeId(), layouts.getFirst().bstoreBytes())));
        assertThat(s.apply(new Command.DeleteVolume("ec", s.now, inLayouts)).isOk())
                .isTrue();
        Set<UUID> orphans = s.machine.read(st -> Set.copyOf(st.orphans().keySet()));
        assertThat(orphans)
                .hasSize(7)
                .contains(plan.rebuilds().getFirst().replacement().extentId());
    }

    /** A class asking for it makes every drive keep room for the largest node's BStores, not only a drive's. */
    @Test
    void aClassThatSparesANodeSizesSparingForTheLargestNode() {
        UUID twoDrives = UUID.randomUUID();
        List<DriveState> drives = List.of(
                new DriveState(UUID.randomUUID(), 10 * Scenario.GIB, 10 * Scenario.GIB, 0, 10 * Scenario.GIB),
                new DriveState(UUID.randomUUID(), 10 * Scenario.GIB, 10 * Scenario.GIB, 0, 10 * Scenario.GIB));
        assertThat(s.apply(new Command.RegisterNode(
                                twoDrives,
                                "127.0.0.1:10809",
                                "http://127.0.0.1:8410",
                                Map.of("zone", "z8"),
                                drives,
                                s.now))
                        .isOk())
                .isTrue();
        assertThat(fraction(0)).as("the largest drive: 10 of 100 GiB").isEqualTo(0.1);
        StorageClass sparesANode = StorageClass.erasureCoded(
                        "ec-node",
                        ErasureCode.parse("4+2"),
                        "zone",
                        Optional.empty(),
                        Duration.ofMillis(ReprotectScenario.TIMEOUT_MILLIS),
                        1 << 20,
                        false)
                .withSpareNode(true);
        assertThat(s.apply(new Command.CreateClass(sparesANode)).isOk()).isTrue();
        assertThat(fraction(0)).as("the largest node: 20 of 100 GiB").isEqualTo(0.2);
        assertThatThrownBy(
                        () -> new StorageClass("r", 2, "zone", Optional.empty(), Duration.ofMinutes(1), 1 << 20, false)
                                .withSpareNode(true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("for erasure-coded classes");
    }

    @Test
    void sparingSpaceIsTheLargestDrivesShareAndNewVolumesLeaveIt() {
        assertThat(fraction(0)).isEqualTo(1.0 / 8);
        assertThat(fraction(0.2)).isEqualTo(0.2);
        UUID big = s.node("z8", 40);
        fixture.zoneOf.put(big, "z8");
        assertThat(fraction(0)).isEqualTo(40.0 / 120);
        // Nine drives: 80 GiB of the small ones, 40 of the big one; a third of each is kept.
        double keptFree = s.machine.read(st -> {
            long kept = 0;
            for (NodeRecord n : st.nodes().values()) {
                for (DriveState d : n.drives()) {
                    kept += (long) (d.dataBytes() * Sparing.fraction(st, 0));
                }
            }
            return (double) kept;
        });
        assertThat(keptFree).isEqualTo(40.0 * Scenario.GIB, org.assertj.core.data.Offset.offset(1.0 * Scenario.GIB));
        // 60 GiB of 4+2 is 90 GiB of BStores: it would fit in the 120 GiB, not in the 80 left beside the
        // sparing space, and is refused; 40 GiB (60 of BStores) is placed.
        Outcome tooBig = createSized("big", 60);
        assertThat(tooBig.isOk()).isFalse();
        assertThat(tooBig.message()).contains("cannot place volume 'big'");
        assertThat(createSized("fits", 40).isOk()).isTrue();
    }
}
