package dev.cairn.control.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.PStoreLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Which members a reprotect's rebuilds read: spread over the nodes left, by what each node's drives
 * already move and what the lost BStores not yet planned will ask of them.
 */
class ReprotectSourcesTest {
    private final ReprotectScenario fixture = new ReprotectScenario();
    private final Scenario s = fixture.s;

    /**
     * The rebuilds of a lost node read {@code k} members each, never the lost one, chosen so that
     * the work spreads over the nodes left: each rebuild reads the survivors of its PStore on the
     * nodes least busy with the rebuilds planned before it (its new BStore's write, its sources'
     * reads) and with what the rebuilds planned after it may ask of them (4 in 5 of each later
     * PStore's survivors are read), and the node told to rebuild is told which.
     */
    @Test
    void theRebuildsOfALostNodeSpreadTheirReadsOverTheNodesLeft() {
        List<PStoreLayout> layouts = fixture.storedVolume("ec", 16);
        Map<UUID, Integer> held = new HashMap<>();
        layouts.forEach(p -> p.members().forEach(b -> held.merge(b.nodeId(), 1, Integer::sum)));
        UUID lost = held.entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .orElseThrow()
                .getKey();
        fixture.offline(lost);
        s.now += ReprotectScenario.TIMEOUT_MILLIS;
        List<ErasureLayout.Rebuild> rebuilds = fixture.plan("ec", layouts, 16).rebuilds();
        assertThat(rebuilds).hasSize(held.get(lost));
        // In fifths of a BStore: rebuilds' reads and writes so far, and 4 for each later PStore
        // a node survives in.
        Map<UUID, Integer> busy = new HashMap<>();
        rebuilds.forEach(r -> layouts.get(r.pstore()).members().stream()
                .filter(b -> !b.nodeId().equals(lost))
                .forEach(b -> busy.merge(b.nodeId(), 4, Integer::sum)));
        for (ErasureLayout.Rebuild r : rebuilds) {
            List<ErasureLayout.BStorePlacement> members =
                    layouts.get(r.pstore()).members();
            assertThat(r.sources()).hasSize(4).doesNotHaveDuplicates().doesNotContain(r.member());
            members.stream()
                    .filter(b -> !b.nodeId().equals(lost))
                    .forEach(b -> busy.merge(b.nodeId(), -4, Integer::sum));
            busy.merge(r.replacement().nodeId(), 5, Integer::sum);
            int busiestRead = r.sources().stream()
                    .mapToInt(i -> busy.getOrDefault(members.get(i).nodeId(), 0))
                    .max()
                    .orElseThrow();
            for (int i = 0; i < members.size(); i++) {
                if (i != r.member() && !r.sources().contains(i)) {
                    assertThat(busy.getOrDefault(members.get(i).nodeId(), 0))
                            .as("the survivor not read is at least as busy as those read")
                            .isGreaterThanOrEqualTo(busiestRead);
                }
            }
            r.sources().forEach(i -> {
                assertThat(members.get(i).nodeId()).isNotEqualTo(lost);
                busy.merge(members.get(i).nodeId(), 5, Integer::sum);
            });
        }
        assertThat(busy).hasSize(7).doesNotContainKey(lost);

        assertThat(s.apply(new Command.ReprotectBStores(s.volume("ec").id(), rebuilds, s.now))
                        .isOk())
                .isTrue();
        ErasureLayout.Rebuild first = rebuilds.getFirst();
        var job = s.machine.read(st -> ErasureViews.rebuild(st, s.volume("ec"), first, layouts.get(first.pstore())));
        assertThat(job.sources()).isEqualTo(first.sources());
        // The same once the layout names the new BStore (written before the rebuild's end is logged).
        List<ErasureLayout.BStorePlacement> named =
                new ArrayList<>(layouts.get(first.pstore()).members());
        named.set(first.member(), first.replacement());
        PStoreLayout written = new PStoreLayout(s.volume("ec").id(), first.pstore(), first.bstoreBytes(), named);
        var again = s.machine.read(st -> ErasureViews.rebuild(st, s.volume("ec"), first, written));
        assertThat(again).isEqualTo(job);
    }

    /**
     * A node that survives in every PStore of the lost node is spared where another survivor can
     * be read: of three PStores sharing four survivors, each with a fifth of its own, each
     * rebuild reads its own fifth, so the four shared nodes read 9 BStores among them and none
     * more than 3 (read first by the order of planning, the first PStore's own fifth could be
     * left unread and a shared node made to read 4 of the 12).
     */
    @Test
    void aNodeInManyLostPStoresIsSparedWhereAnotherCanBeRead() {
        List<PStoreLayout> stored = fixture.storedVolume("ec", 3);
        List<UUID> n = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            n.add(fixture.inZone("z" + i));
        }
        List<PStoreLayout> layouts = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            List<ErasureLayout.BStorePlacement> members = new ArrayList<>();
            for (int node : new int[] {0, 1, 2, 3, 4, 5 + p}) {
                UUID drive = s.machine.read(
                        st -> st.nodes().get(n.get(node)).drives().getFirst().id());
                members.add(new ErasureLayout.BStorePlacement(n.get(node), drive, UUID.randomUUID(), "abc" + p + node));
            }
            layouts.add(
                    new PStoreLayout(stored.get(p).volumeId(), p, stored.get(p).bstoreBytes(), members));
        }
        fixture.heartbeatAll(layouts.toArray(PStoreLayout[]::new));
        fixture.offline(n.getFirst());
        s.now += ReprotectScenario.TIMEOUT_MILLIS;
        List<ErasureLayout.Rebuild> rebuilds = fixture.plan("ec", layouts, 16).rebuilds();
        assertThat(rebuilds).hasSize(3);
        Map<UUID, Integer> reads = new HashMap<>();
        for (ErasureLayout.Rebuild r : rebuilds) {
            assertThat(r.sources())
                    .as("PStore %d reads its own fifth survivor", r.pstore())
                    .contains(5);
            r.sources()
                    .forEach(i ->
                            reads.merge(layouts.get(r.pstore()).members().get(i).nodeId(), 1, Integer::sum));
        }
        assertThat(n.subList(1, 5).stream()
                        .mapToInt(x -> reads.getOrDefault(x, 0))
                        .sum())
                .isEqualTo(9);
        assertThat(n.subList(1, 5))
                .allSatisfy(x -> assertThat(reads.getOrDefault(x, 0)).isLessThanOrEqualTo(3));
    }
}
