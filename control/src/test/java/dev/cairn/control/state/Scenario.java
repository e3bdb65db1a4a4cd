package dev.cairn.control.state;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegSync;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.model.Volume;
import dev.cairn.control.model.VolumeReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/** A state machine driven by hand, with commands built the way the controller builds them. */
final class Scenario {
    static final long GIB = 1L << 30;
    final ClusterStateMachine machine = new ClusterStateMachine(ClusterState.empty());
    final List<Command> log = new ArrayList<>();
    long now = 1_000_000;

    Outcome apply(Command c) {
        log.add(c);
        return machine.apply(log.size(), c);
    }

    UUID node(String zone, long driveGib) {
        UUID id = UUID.randomUUID();
        DriveState d = new DriveState(UUID.randomUUID(), driveGib * GIB, driveGib * GIB, 0, driveGib * GIB);
        apply(new Command.RegisterNode(
                id, "127.0.0.1:10809", "http://127.0.0.1:8410", Map.of("zone", zone), List.of(d), now));
        return id;
    }

    Outcome createVolume(String name, long sizeBytes, String className, int legs) {
        List<UUID> extents = new ArrayList<>();
        List<String> secrets = new ArrayList<>();
        for (int i = 0; i < legs; i++) {
            extents.add(UUID.randomUUID());
            secrets.add("s" + i + "-" + Integer.toHexString(name.hashCode())); // a valid secret whatever the name
        }
        return apply(new Command.CreateVolume(UUID.randomUUID(), name, sizeBytes, className, extents, secrets, 0, now));
    }

    Volume volume(String name) {
        return machine.read(s -> s.volumeNamed(name).orElseThrow());
    }

    /** The node reports exactly these extents (the legs placed on it, made as asked). */
    Outcome heartbeat(UUID node, List<ObservedExtent> extents) {
        return heartbeat(node, extents, machine.read(s -> s.appliedIndex()));
    }

    /** A heartbeat from a node that last converged on the desired state as of {@code reconciled}. */
    Outcome heartbeat(UUID node, List<ObservedExtent> extents, long reconciled) {
        DriveState d = machine.read(s -> s.nodes().get(node).drives().getFirst());
        return apply(new Command.Heartbeat(node, List.of(d), extents, List.of(), reconciled, now));
    }

    /** What the node would report after creating every leg placed on it. */
    List<ObservedExtent> legsOn(UUID node) {
        return machine.read(s -> s.volumes().values().stream()
                .flatMap(v -> v.legs().stream())
                .filter(l -> l.nodeId().equals(node))
                .map(Scenario::observed)
                .toList());
    }

    /** A volume of 1 GiB whose nodes made every leg (so it is AVAILABLE). */
    Volume availableVolume(String name, String className, int legs) {
        createVolume(name, GIB, className, legs);
        for (Leg l : volume(name).legs()) {
            heartbeat(l.nodeId(), legsOn(l.nodeId()));
        }
        return volume(name);
    }

    /** The agent on {@code host} heartbeats (serving NBD at {@code host:10810}) with these reports. */
    Outcome agent(String host, VolumeReport... reports) {
        return apply(new Command.AgentHeartbeat(host, host + ":10810", List.of(reports), now));
    }

    Outcome attach(String volume, String host, boolean force) {
        return apply(new Command.AttachVolume(volume, host, force, now));
    }

    /** A report of every leg of the volume in {@code state}, under {@code generation}. */
    static VolumeReport report(Volume v, long generation, AgentApi.LegSyncState state, long copiedBytes) {
        SortedMap<UUID, LegSync> legs = new TreeMap<>();
        v.legs().forEach(l -> legs.put(l.extentId(), new LegSync(state, Optional.empty())));
        return new VolumeReport(v.id(), generation, legs, new AgentApi.ResyncReport(0, 0, 0, copiedBytes));
    }

    static ObservedExtent observed(Leg l) {
        return new ObservedExtent(l.extentId(), l.driveId(), l.extentSizeBytes(), false, l.generation());
    }
}
