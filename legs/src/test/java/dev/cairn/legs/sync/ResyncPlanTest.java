package dev.cairn.legs.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.legs.header.FillRecord;
import dev.cairn.legs.header.LegHeader;
import dev.cairn.legs.sync.ResyncPlan.Found;
import dev.cairn.legs.sync.ResyncPlan.Probe;
import dev.cairn.legs.sync.ResyncPlan.Ready;
import dev.cairn.legs.sync.ResyncPlan.Sync;
import dev.cairn.legs.sync.ResyncPlan.Unreachable;
import dev.cairn.legs.sync.ResyncPlan.Wait;
import java.util.BitSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ResyncPlanTest {
    private final UUID volume = UUID.randomUUID();
    private final UUID a = UUID.randomUUID();
    private final UUID b = UUID.randomUUID();
    private final UUID c = UUID.randomUUID();
    private final List<UUID> legs = List.of(a, b, c);
    private final ResyncPlan.Geometry geometry = new ResyncPlan.Geometry(volume, 1 << 30, 1 << 20, 1 << 20, 1024);

    private Found valid(UUID leg, long events, List<UUID> inSync, int... dirty) {
        BitSet bits = new BitSet();
        for (int r : dirty) {
            bits.set(r);
        }
        return new Found(
                leg,
                new LegHeader.Valid(new LegHeader(volume, leg, 1, events, 1 << 30, 1 << 20, 1 << 20, inSync)),
                bits);
    }

    private static Found blank(UUID leg) {
        return new Found(leg, new LegHeader.Blank(), new BitSet());
    }

    private Ready ready(List<Probe> probes) {
        ResyncPlan.Outcome o = ResyncPlan.plan(geometry, legs, probes);
        assertThat(o).isInstanceOf(Ready.class);
        return (Ready) o;
    }

    @Test
    void newVolumeHasEveryLegInSync() {
        Ready r = ready(List.of(blank(a), blank(b), blank(c)));
        assertThat(r.sync())
                .containsEntry(a, Sync.NONE)
                .containsEntry(b, Sync.NONE)
                .containsEntry(c, Sync.NONE);
    }

    @Test
    void blankLegsWithOneUnreachableWait() {
        assertThat(ResyncPlan.plan(geometry, legs, List.of(blank(a), blank(b), new Unreachable(c, "down"))))
                .isInstanceOf(Wait.class);
    }

    @Test
    void cleanLegsAllStartInSync() {
        Ready r = ready(List.of(valid(a, 5, legs), valid(b, 5, legs), valid(c, 5, legs)));
        assertThat(r.sync().values()).containsOnly(Sync.NONE);
        assertThat(r.events()).isEqualTo(5);
    }

    @Test
    void headersOfTheVolumeBeforeItGrewAreTrustedAndOfALargerOneAreNot() {
        Found before = new Found(
                a, new LegHeader.Valid(new LegHeader(volume, a, 1, 5, 1 << 29, 1 << 20, 1 << 20, legs)), new BitSet());
        assertThat(ResyncPlan.check(geometry, before))
                .as("grown from 512 MiB to 1 GiB")
                .isEmpty();
        Found larger = new Found(
                a, new LegHeader.Valid(new LegHeader(volume, a, 1, 5, 2L << 30, 1 << 20, 1 << 20, legs)), new BitSet());
        assertThat(ResyncPlan.check(geometry, larger))
                .hasValueSatisfying(why -> assertThat(why).contains("header geometry (2147483648 bytes"));
        Found moved = new Found(
                a, new LegHeader.Valid(new LegHeader(volume, a, 1, 5, 1 << 29, 1 << 20, 2 << 20, legs)), new BitSet());
        assertThat(ResyncPlan.check(geometry, moved)).as("data elsewhere").isPresent();
        Ready r = ready(List.of(before, valid(b, 5, legs), valid(c, 5, legs)));
        assertThat(r.sync().values()).containsOnly(Sync.NONE);
    }

    @Test
    void staleLegGetsDirtyRegionsAndIsNeverTheSource() {
        Ready r = ready(List.of(valid(c, 4, legs, 9), valid(a, 6, List.of(a, b), 1, 2), valid(b, 6, List.of(a, b), 2)));
        assertThat(r.source()).isIn(a, b);
        assertThat(r.sync()).containsEntry(c, Sync.DIRTY);
        assertThat(r.dirty().stream().boxed().toList()).containsExactly(1, 2, 9);
        assertThat(r.events()).isEqualTo(6);
    }

    @Test
    void freshLegsThatMayDifferInDirtyRegionsAreResyncedFromOne() {
        Ready r = ready(List.of(valid(a, 3, legs, 7), valid(b, 3, legs), valid(c, 3, legs)));
        assertThat(r.sync().values()).containsExactlyInAnyOrder(Sync.NONE, Sync.DIRTY, Sync.DIRTY);
    }

    @Test
    void unreachableMemberOfTheNewestSetMeansWait() {
        ResyncPlan.Outcome o = ResyncPlan.plan(
                geometry, legs, List.of(valid(a, 6, List.of(a, b)), new Unreachable(b, "down"), valid(c, 4, legs)));
        assertThat(o).isInstanceOf(Wait.class);
        assertThat(((Wait) o).reason()).contains(b.toString());
    }

    @Test
    void unreachableLegOutsideTheNewestSetDoesNotBlock() {
        Ready r = ready(List.of(valid(a, 6, List.of(a, b)), valid(b, 6, List.of(a, b)), new Unreachable(c, "down")));
        assertThat(r.sync()).doesNotContainKey(c).containsEntry(a, Sync.NONE).containsEntry(b, Sync.NONE);
    }

    @Test
    void blankDamagedOrForeignLegsGetEveryRegion() {
        Found foreign = new Found(
                c,
                new LegHeader.Valid(new LegHeader(UUID.randomUUID(), c, 1, 99, 1 << 30, 1 << 20, 1 << 20, List.of(c))),
                new BitSet());
        Ready r = ready(
                List.of(valid(a, 2, legs), foreign, new Found(b, new LegHeader.Damaged("bad crc"), new BitSet())));
        assertThat(r.source()).isEqualTo(a);
        assertThat(r.sync()).containsEntry(b, Sync.FULL).containsEntry(c, Sync.FULL);
        assertThat(r.notes()).hasSize(2);
    }

    @Test
    void blankNewLegIsNeverTheSourceWhereverItIsListed() {
        UUID added = UUID.randomUUID();
        ResyncPlan.Outcome o = ResyncPlan.plan(
                geometry,
                List.of(added, a, b),
                List.of(blank(added), valid(a, 4, List.of(a, b)), valid(b, 4, List.of(a, b))));
        assertThat(o).isInstanceOf(Ready.class);
        Ready r = (Ready) o;
        assertThat(r.source()).isIn(a, b);
        assertThat(r.sync()).containsEntry(added, Sync.FULL);
    }

    @Test
    void blankNewLegAloneWithTheOthersUnreachableWaits() {
        UUID added = UUID.randomUUID();
        ResyncPlan.Outcome o =
                ResyncPlan.plan(geometry, List.of(a, added), List.of(new Unreachable(a, "down"), blank(added)));
        assertThat(o).isInstanceOf(Wait.class);
    }

    @Test
    void newestSetMembersNoLongerInTheVolumeAreIgnored() {
        UUID replaced = UUID.randomUUID();
        Ready r = ready(List.of(valid(a, 8, List.of(a, replaced)), blank(b), blank(c)));
        assertThat(r.source()).isEqualTo(a);
        assertThat(r.sync()).containsEntry(b, Sync.FULL).containsEntry(c, Sync.FULL);
    }

    private Found filling(UUID leg, long copiedBelow) {
        return new Found(
                leg,
                new LegHeader.Filling(new FillRecord(volume, leg, 3, 1 << 30, 1 << 20, 1 << 20, copiedBelow)),
                new BitSet());
    }

    @Test
    void legPartWayThroughAFullCopyGoesOnFromItsFillRecordAndIsNeverTheSource() {
        UUID added = UUID.randomUUID();
        Ready r = ready(
                List.of(a, b, added),
                List.of(filling(added, 300), valid(a, 4, List.of(a, b), 5, 700), valid(b, 4, List.of(a, b))));
        assertThat(r.source()).isIn(a, b);
        assertThat(r.sync()).containsEntry(added, Sync.fullFrom(300));
        List<Long> regions = r.sync().get(added).regions(1024, List.of(5L, 700L));
        assertThat(regions).hasSize(1 + 1024 - 300).startsWith(5L, 300L, 301L).endsWith(1023L);
    }

    @Test
    void fillRecordOfAnotherLegOrGeometryIsNotTrusted() {
        UUID added = UUID.randomUUID();
        Found foreign = new Found(
                added,
                new LegHeader.Filling(new FillRecord(volume, a, 3, 1 << 30, 1 << 20, 1 << 20, 300)),
                new BitSet());
        Ready r = ready(List.of(a, b, added), List.of(foreign, valid(a, 4, List.of(a, b)), valid(b, 4, List.of(a, b))));
        assertThat(r.sync()).containsEntry(added, Sync.FULL);
        assertThat(r.notes()).singleElement().asString().contains("fill record belongs to");
    }

    @Test
    void neverAttachedVolumeWithALegBeingFilledCopiesFromABlankLeg() {
        UUID added = UUID.randomUUID();
        Ready r = ready(List.of(added, a, b), List.of(filling(added, 10), blank(a), blank(b)));
        assertThat(r.source()).isEqualTo(a);
        assertThat(r.sync())
                .containsEntry(a, Sync.NONE)
                .containsEntry(b, Sync.NONE)
                .containsEntry(added, Sync.fullFrom(10));
    }

    @Test
    void onlyLegsBeingFilledMeansWait() {
        assertThat(ResyncPlan.plan(geometry, List.of(a, b), List.of(filling(a, 1), filling(b, 2))))
                .isInstanceOf(Wait.class);
    }

    @Test
    void returningLegGetsDirtyRegionsOrGoesOnWithItsCopyOrGetsEverything() {
        assertThat(ResyncPlan.returning(geometry, valid(c, 2, legs)).sync()).isEqualTo(Sync.DIRTY);
        assertThat(ResyncPlan.returning(geometry, filling(c, 77)).sync()).isEqualTo(Sync.fullFrom(77));
        assertThat(ResyncPlan.returning(geometry, blank(c)).sync()).isEqualTo(Sync.FULL);
        assertThat(ResyncPlan.returning(geometry, new Found(c, new LegHeader.Damaged("x"), new BitSet()))
                        .sync())
                .isEqualTo(Sync.FULL);
    }

    private Ready ready(List<UUID> legIds, List<Probe> probes) {
        ResyncPlan.Outcome o = ResyncPlan.plan(geometry, legIds, probes);
        assertThat(o).isInstanceOf(Ready.class);
        return (Ready) o;
    }
}
