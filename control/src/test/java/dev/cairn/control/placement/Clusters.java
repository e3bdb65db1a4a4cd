package dev.cairn.control.placement;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.NodeState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/** Test clusters built directly in the model. */
final class Clusters {
    static final long GIB = 1L << 30;

    private Clusters() {}

    /** A node in {@code zone} with empty drives of the given sizes (GiB). */
    static NodeRecord node(String zone, NodeState state, long... driveGib) {
        return node(UUID.randomUUID(), zone, state, driveGib);
    }

    /** The same with a given id; its drives' ids follow from it (a test that must not depend on chance). */
    static NodeRecord node(UUID id, String zone, NodeState state, long... driveGib) {
        List<DriveState> drives = new ArrayList<>();
        for (long gib : driveGib) {
            UUID drive = new UUID(~id.getMostSignificantBits(), id.getLeastSignificantBits() + drives.size());
            drives.add(new DriveState(drive, gib * GIB, gib * GIB, 0, gib * GIB));
        }
        return new NodeRecord(
                id,
                "127.0.0.1:10809",
                "http://127.0.0.1:8410",
                new TreeMap<>(Map.of("zone", zone, "host", "h-" + id)),
                drives,
                new TreeMap<>(),
                List.of(),
                state,
                0,
                0,
                java.util.Optional.empty(),
                List.of(),
                null);
    }

    static ClusterState of(NodeRecord... nodes) {
        ClusterState s = ClusterState.empty();
        for (NodeRecord n : nodes) {
            s.nodes().put(n.id(), n);
        }
        return s;
    }
}
