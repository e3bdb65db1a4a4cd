package dev.cairn.control.model;

import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A storage node as the controller knows it: where it serves, its labels (always with {@code
 * host}), its drives and extents as last reported, whether it is heard from, and since when it is
 * being drained (nothing new is placed on a draining node, and its legs move elsewhere), and how
 * the copies it makes of its legs of detached volumes are going, as it last reported them, and
 * its name (unique in the cluster; a record from before names is named after its {@code host}
 * label).
 */
public record NodeRecord(
        UUID id,
        String nbdAddress,
        String adminUrl,
        SortedMap<String, String> labels,
        List<DriveState> drives,
        SortedMap<UUID, ObservedExtent> extents,
        List<String> errors,
        NodeState state,
        long registeredAtMillis,
        long lastHeartbeatMillis,
        Optional<Long> drainingSinceMillis,
        List<LegCopyProgress> copies,
        String name) {

    public NodeRecord {
        if (name == null) {
            name = labels.getOrDefault("host", id.toString());
        }
        copies = copies == null ? List.of() : List.copyOf(copies); // snapshots written before copies
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
        extents = Collections.unmodifiableSortedMap(new TreeMap<>(extents));
        drives = List.copyOf(drives);
        errors = List.copyOf(errors);
    }

    public String label(String key) {
        return labels.get(key);
    }

    public NodeRecord withLabels(SortedMap<String, String> newLabels) {
        return new NodeRecord(
                id,
                nbdAddress,
                adminUrl,
                newLabels,
                drives,
                extents,
                errors,
                state,
                registeredAtMillis,
                lastHeartbeatMillis,
                drainingSinceMillis,
                copies,
                name);
    }

    public NodeRecord withState(NodeState newState) {
        return new NodeRecord(
                id,
                nbdAddress,
                adminUrl,
                labels,
                drives,
                extents,
                errors,
                newState,
                registeredAtMillis,
                lastHeartbeatMillis,
                drainingSinceMillis,
                copies,
                name);
    }

    public NodeRecord withInventory(
            List<DriveState> newDrives, SortedMap<UUID, ObservedExtent> newExtents, List<String> newErrors, long at) {
        return new NodeRecord(
                id,
                nbdAddress,
                adminUrl,
                labels,
                newDrives,
                newExtents,
                newErrors,
                NodeState.ONLINE,
                registeredAtMillis,
                at,
                drainingSinceMillis,
                copies,
                name);
    }

    public NodeRecord withDraining(Optional<Long> since) {
        return new NodeRecord(
                id,
                nbdAddress,
                adminUrl,
                labels,
                drives,
                extents,
                errors,
                state,
                registeredAtMillis,
                lastHeartbeatMillis,
                since,
                copies,
                name);
    }

    /** The copies of its legs the node reported last. */
    public NodeRecord withCopies(List<LegCopyProgress> newCopies) {
        return new NodeRecord(
                id,
                nbdAddress,
                adminUrl,
                labels,
                drives,
                extents,
                errors,
                state,
                registeredAtMillis,
                lastHeartbeatMillis,
                drainingSinceMillis,
                newCopies,
                name);
    }

    public boolean draining() {
        return drainingSinceMillis.isPresent();
    }
}
