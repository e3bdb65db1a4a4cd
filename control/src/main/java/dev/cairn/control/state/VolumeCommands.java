package dev.cairn.control.state;

import static dev.cairn.control.state.Outcome.Status.CONFLICT;
import static dev.cairn.control.state.Outcome.Status.INVALID;
import static dev.cairn.control.state.Outcome.Status.NOT_FOUND;
import static dev.cairn.control.state.Outcome.Status.UNPLACEABLE;

import dev.cairn.control.model.CanonicalId;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegLayout;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import dev.cairn.control.model.VolumeState;
import dev.cairn.control.placement.PlacedLeg;
import dev.cairn.control.placement.Placement;
import dev.cairn.control.placement.PlacementException;
import dev.cairn.control.placement.PlacementRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/** Applies the commands about storage classes and volumes. */
final class VolumeCommands {
    /** Generation of a new leg; attachments (the client agent) raise it. */
    static final long FIRST_GENERATION = 1;

    private VolumeCommands() {}

    static Outcome createClass(ClusterState s, Command.CreateClass c) {
        StorageClass sc = c.storageClass();
        if (s.classes().containsKey(sc.name())) {
            return Outcome.refused(CONFLICT, "storage class '" + sc.name() + "' already exists");
        }
        if (!s.labelKeys().contains(sc.spreadAcross())) {
            return Outcome.refused(
                    INVALID,
                    "no node has a label '" + sc.spreadAcross() + "' to spread across (known keys: "
                            + (s.labelKeys().isEmpty() ? "none" : String.join(", ", s.labelKeys())) + ")");
        }
        if (sc.builtIn()) {
            return Outcome.refused(INVALID, "only the cluster defines built-in classes");
        }
        s.classes().put(sc.name(), sc);
        return Outcome.ok(sc.name());
    }

    static Outcome deleteClass(ClusterState s, Command.DeleteClass c) {
        StorageClass sc = s.classes().get(c.name());
        if (sc == null) {
            return Outcome.refused(NOT_FOUND, "no storage class '" + c.name() + "'");
        }
        if (sc.builtIn()) {
            return Outcome.refused(INVALID, "'" + c.name() + "' is a built-in class and stays");
        }
        long users = s.volumes().values().stream()
                .filter(v -> v.className().equals(c.name()))
                .count();
        if (users > 0) {
            return Outcome.refused(
                    CONFLICT,
                    "storage class '" + c.name() + "' is used by " + users + " volume" + (users == 1 ? "" : "s"));
        }
        s.classes().remove(c.name());
        return Outcome.ok(c.name());
    }

    static Outcome createVolume(
            ClusterState s, LegIndex index, Supplier<Placement> placement, Command.CreateVolume c, long logIndex) {
        try {
            Volume.checkName(c.name());
            Volume.checkSize(c.sizeBytes());
        } catch (IllegalArgumentException e) {
            return Outcome.refused(INVALID, e.getMessage());
        }
        if (index.volumeNamed(c.name()).isPresent()) {
            return Outcome.refused(CONFLICT, "a volume named '" + c.name() + "' already exists");
        }
        if (s.volumes().containsKey(c.volumeId())) {
            return Outcome.refused(CONFLICT, "volume id " + c.volumeId() + " is taken");
        }
        StorageClass sc = s.classes().get(c.className());
        if (sc == null) {
            return Outcome.refused(
                    NOT_FOUND,
                    "no storage class '" + c.className() + "' (classes: "
                            + String.join(", ", s.classes().keySet()) + ")");
        }
        if (sc.erasure().isPresent()) {
            return ErasureCommands.create(s, index, placement, c, sc, logIndex);
        }
        if (c.extentIds().size() != sc.replicas() || c.secrets().size() != sc.replicas()) {
            return Outcome.refused(
                    INVALID,
                    "class '" + sc.name() + "' has " + sc.replicas() + " legs but the command" + " carries "
                            + c.extentIds().size() + " extent ids");
        }
        for (UUID extent : c.extentIds()) {
            if (index.desired(extent) || s.orphans().containsKey(extent)) {
                return Outcome.refused(CONFLICT, "extent id " + extent + " is taken");
            }
        }
        long extentBytes = LegLayout.extentBytes(c.sizeBytes(), sc.regionSizeBytes());
        long allocated = LegLayout.allocatedBytes(extentBytes);
        Placement p = placement.get();
        List<PlacedLeg> placed;
        try {
            placed = p.place(PlacementRequest.of(sc.replicas(), allocated, sc.spreadAcross(), sc.prefer()));
        } catch (PlacementException e) {
            return Outcome.refused(
                    UNPLACEABLE, "cannot place volume '" + c.name() + "' (class " + sc.name() + "): " + e.getMessage());
        }
        p.commit(placed, allocated);
        List<Leg> legs = new ArrayList<>();
        for (int i = 0; i < placed.size(); i++) {
            PlacedLeg pl = placed.get(i);
            legs.add(Leg.placed(
                    i,
                    pl.nodeId(),
                    pl.driveId(),
                    c.extentIds().get(i),
                    extentBytes,
                    FIRST_GENERATION,
                    c.secrets().get(i),
                    false));
        }
        Volume v =
                new Volume(c.volumeId(), c.name(), c.sizeBytes(), sc.name(), VolumeState.CREATING, c.atMillis(), legs);
        s.volumes().put(v.id(), v);
        index.add(v, logIndex);
        return Outcome.ok(v.id().toString());
    }

    /** A volume by id (text in a UUID's canonical form) or else by name: see {@link ClusterState#volume}. */
    static Optional<Volume> find(ClusterState s, LegIndex index, String idOrName) {
        Optional<UUID> id = CanonicalId.parse(idOrName);
        if (id.isPresent()) {
            return Optional.ofNullable(s.volumes().get(id.get()));
        }
        return index.volumeNamed(idOrName).map(named -> s.volumes().get(named));
    }

    static Outcome deleteVolume(ClusterState s, LegIndex index, Command.DeleteVolume c, long logIndex) {
        Optional<Volume> found = find(s, index, c.volume());
        if (found.isEmpty()) {
            return Outcome.refused(NOT_FOUND, "no volume '" + c.volume() + "'");
        }
        Volume v = found.get();
        if (v.attachment().isPresent()) {
            return Outcome.refused(
                    CONFLICT,
                    "volume '" + v.name() + "' is attached to host '"
                            + v.attachment().get().host() + "'; detach it first");
        }
        if (v.erasure().isPresent()) {
            Optional<String> problem = ErasureCommands.orphanBStores(s, index, v, c, logIndex);
            if (problem.isPresent()) {
                return Outcome.refused(CONFLICT, problem.get());
            }
        }
        s.volumes().remove(v.id());
        index.remove(v, logIndex);
        for (Leg leg : v.legs()) {
            RepairCommands.orphan(s, leg, c.atMillis(), logIndex, "volume " + v.name() + " deleted");
        }
        return Outcome.ok(v.id().toString());
    }
}
