package dev.cairn.control.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.model.ErasureCode;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.model.PStoreLayout;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import dev.cairn.control.placement.Placement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The state machine of reprotect's tests: eight nodes of one 10 GiB drive, each in its own zone,
 * the DKV's reserve, and a 4+2 class {@code ec} across zone with a repair timeout of {@link
 * #TIMEOUT_MILLIS}; volumes whose PStores are stored, nodes taken offline, and the planner's pass.
 */
final class ReprotectScenario {
    static final long TIMEOUT_MILLIS = 10_000;

    final Scenario s = new Scenario();
    final Map<UUID, String> zoneOf = new HashMap<>();

    ReprotectScenario() {
        for (int i = 0; i < 8; i++) {
            UUID n = s.node("z" + i, 10);
            zoneOf.put(n, "z" + i);
        }
        s.apply(s.machine.read(
                st -> DkvPlanner.reserve(st, 100, DkvStateTest.PLACEMENT, UUID::randomUUID, () -> "secret", s.now)));
        s.apply(new Command.CreateClass(StorageClass.erasureCoded(
                "ec",
                ErasureCode.parse("4+2"),
                "zone",
                Optional.empty(),
                Duration.ofMillis(TIMEOUT_MILLIS),
                1 << 20,
                false)));
    }

    /** A 4+2 volume of {@code pstores} GiB-sized PStores whose BStores are made and layouts stored; the layouts. */
    List<PStoreLayout> storedVolume(String name, int pstores) {
        return storedVolume(name, pstores * ErasureLayout.MAX_PSTORE_BYTES);
    }

    /** A 4+2 volume of {@code size} bytes whose BStores are made and layouts stored; the layouts. */
    List<PStoreLayout> storedVolume(String name, long size) {
        int pstores = Math.toIntExact((size + ErasureLayout.MAX_PSTORE_BYTES - 1) / ErasureLayout.MAX_PSTORE_BYTES);
        List<UUID> extents = new ArrayList<>();
        List<String> secrets = new ArrayList<>();
        for (int i = 0; i < 6 * pstores; i++) {
            extents.add(UUID.randomUUID());
            secrets.add(Integer.toHexString(1000 + i));
        }
        long firstKey = DkvLayout.FIRST_KEY + s.machine.read(st -> st.volumes().size()) * 10L;
        assertThat(s.apply(new Command.CreateVolume(
                                UUID.randomUUID(), name, size, "ec", extents, secrets, 0, s.now, firstKey, null))
                        .isOk())
                .isTrue();
        ErasureLayout e = s.volume(name).erasure().orElseThrow();
        List<PStoreLayout> layouts = new ArrayList<>();
        for (int p = 0; p < e.pending().size(); p++) {
            ErasureLayout.PStorePlacement ps = e.pending().get(p);
            layouts.add(new PStoreLayout(s.volume(name).id(), p, ps.bstoreBytes(), ps.members()));
        }
        heartbeatAll();
        assertThat(s.apply(new Command.PStoresStored(s.volume(name).id(), s.now))
                        .isOk())
                .isTrue();
        return layouts;
    }

    /** Every online node reports every BStore the state or {@code layouts} put on it. */
    void heartbeatAll(PStoreLayout... layouts) {
        Map<UUID, List<ObservedExtent>> on = new HashMap<>();
        s.machine.read(st -> {
            for (Volume v : st.volumes().values()) {
                ErasureLayout e = v.erasure().orElseThrow();
                e.pending()
                        .forEach(p -> p.members()
                                .forEach(b -> on.computeIfAbsent(b.nodeId(), n -> new ArrayList<>())
                                        .add(observed(b, p.bstoreBytes(), e.generation()))));
                e.rebuilds()
                        .forEach(r -> on.computeIfAbsent(r.replacement().nodeId(), n -> new ArrayList<>())
                                .add(observed(r.replacement(), r.bstoreBytes(), e.generation())));
            }
            return null;
        });
        for (PStoreLayout p : layouts) {
            p.members()
                    .forEach(b -> on.computeIfAbsent(b.nodeId(), n -> new ArrayList<>())
                            .add(observed(b, p.bstoreBytes(), 1)));
        }
        on.forEach((node, extents) -> s.heartbeat(node, extents));
    }

    private static ObservedExtent observed(ErasureLayout.BStorePlacement b, long bytes, long generation) {
        return new ObservedExtent(b.extentId(), b.driveId(), bytes, false, generation, true);
    }

    void offline(UUID node) {
        assertThat(s.apply(new Command.MarkNodeOffline(node, s.now, 0)).isOk()).isTrue();
    }

    ReprotectPlanner.Plan plan(String volume, List<PStoreLayout> layouts, int maxPerNode) {
        return s.machine.read(st -> new ReprotectPlanner.Pass(
                        st,
                        s.now,
                        maxPerNode,
                        ReprotectPlanner.running(st),
                        ReprotectPlanner.traffic(st, Map.of()),
                        ReprotectPlanner.demand(
                                st, Map.of(st.volumeNamed(volume).orElseThrow().id(), layouts), s.now),
                        Placement.of(st, 0),
                        UUID::randomUUID,
                        () -> "abcdef")
                .plan(st.volumeNamed(volume).orElseThrow(), layouts));
    }

    /** The node in {@code zone} (one of the eight). */
    UUID inZone(String zone) {
        return zoneOf.entrySet().stream()
                .filter(e -> e.getValue().equals(zone))
                .findFirst()
                .orElseThrow()
                .getKey();
    }
}
