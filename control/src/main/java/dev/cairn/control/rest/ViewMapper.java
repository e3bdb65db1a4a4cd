package dev.cairn.control.rest;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.ReprotectView;
import dev.cairn.control.api.Views;
import dev.cairn.control.model.AgentRecord;
import dev.cairn.control.model.Attachment;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegCopyProgress;
import dev.cairn.control.model.LegLayout;
import dev.cairn.control.model.LegState;
import dev.cairn.control.model.LegSync;
import dev.cairn.control.model.Limits;
import dev.cairn.control.model.Missing;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.NodeState;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.model.Orphan;
import dev.cairn.control.model.PStoreLayout;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import dev.cairn.control.model.VolumeReport;
import dev.cairn.control.model.VolumeState;
import dev.cairn.control.placement.Sparing;
import dev.cairn.control.state.Liveness;
import dev.cairn.control.state.ReplicatedState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/** Model to API views. Pure functions of the state. */
final class ViewMapper {
    private ViewMapper() {}

    static Instant time(long millis) {
        return Instant.ofEpochMilli(millis);
    }

    static Views.NodeState state(NodeState s) {
        return switch (s) {
            case ONLINE -> Views.NodeState.ONLINE;
            case OFFLINE -> Views.NodeState.OFFLINE;
        };
    }

    static Views.VolumeState state(VolumeState s) {
        return switch (s) {
            case CREATING -> Views.VolumeState.CREATING;
            case AVAILABLE -> Views.VolumeState.AVAILABLE;
        };
    }

    static Views.LegState state(LegState s) {
        return switch (s) {
            case CREATING -> Views.LegState.CREATING;
            case READY -> Views.LegState.READY;
        };
    }

    static Views.CopyState state(LegCopyProgress.State s) {
        return switch (s) {
            case COPYING -> Views.CopyState.COPYING;
            case DONE -> Views.CopyState.DONE;
            case WAITING -> Views.CopyState.WAITING;
            case FAILED -> Views.CopyState.FAILED;
        };
    }

    static Views.NodeView node(
            ClusterState s, NodeRecord n, boolean withExtents, double spareFraction, Liveness heard) {
        long capacity = n.drives().stream().mapToLong(DriveState::dataBytes).reduce(0, Limits::addSaturated);
        long used = n.drives().stream().mapToLong(DriveState::usedBytes).reduce(0, Limits::addSaturated);
        List<Views.ExtentView> extents = withExtents
                ? n.extents().values().stream().map(ViewMapper::extent).toList()
                : List.of();
        return new Views.NodeView(
                n.id(),
                n.name(),
                state(n.state()),
                n.nbdAddress(),
                n.adminUrl(),
                n.labels(),
                capacity,
                used,
                capacity - used,
                n.extents().size(),
                time(n.registeredAtMillis()),
                time(heard.lastHeard(n)),
                n.drives().stream().map(d -> drive(d, spareFraction)).toList(),
                extents,
                n.errors(),
                HealthViews.drain(s, n),
                n.copies().stream()
                        .map(c -> new Views.CopyView(
                                c.extentId(),
                                c.generation(),
                                state(c.state()),
                                c.doneBytes(),
                                c.totalBytes(),
                                c.bytesPerSecond(),
                                c.message()))
                        .toList());
    }

    static Views.DriveView drive(DriveState d, double spareFraction) {
        return new Views.DriveView(
                d.id(), d.capacityBytes(), d.dataBytes(), d.usedBytes(), d.freeBytes(), d.largestFreeBytes(), (long)
                        (d.dataBytes() * spareFraction));
    }

    static Views.ExtentView extent(ObservedExtent e) {
        return new Views.ExtentView(e.id(), e.driveId(), e.sizeBytes(), e.erasing(), e.generation());
    }

    static Views.StorageClassView storageClass(StorageClass c) {
        return new Views.StorageClassView(
                c.name(),
                c.replicas(),
                c.spreadAcross(),
                c.prefer().map(Object::toString),
                c.repairTimeout(),
                c.regionSizeBytes(),
                c.builtIn(),
                c.erasure().map(Object::toString),
                c.spareNode());
    }

    static Views.VolumeView volume(ClusterState s, Volume v) {
        HealthViews.Health health = HealthViews.of(s, v);
        StorageClass sc = s.classes().get(v.className());
        return new Views.VolumeView(
                v.id(),
                v.name(),
                v.sizeBytes(),
                v.className(),
                state(v.state()),
                time(v.createdAtMillis()),
                v.legs().stream().map(l -> leg(s, l, v.report())).toList(),
                v.attachment().map(a -> attachment(s, v, a)),
                v.report().map(VolumeReport::resync),
                health.health(),
                sc == null ? v.legs().size() : sc.replicas(),
                health.problems(),
                v.erasure()
                        .map(e -> new Views.ErasureView(
                                e.code().toString(), e.pstores(), e.pstoreBytes(), e.chunkBytes(), List.of())),
                HealthViews.growth(s, v));
    }

    static Views.AttachmentView attachment(ClusterState s, Volume v, Attachment a) {
        AgentRecord agent = s.agents().get(a.host());
        return new Views.AttachmentView(
                a.host(),
                a.generation(),
                time(a.atMillis()),
                agent == null ? "" : agent.nbdAddress(),
                v.id().toString());
    }

    static Views.LegView leg(ClusterState s, Leg l, Optional<VolumeReport> report) {
        NodeRecord n = s.nodes().get(l.nodeId());
        Optional<LegSync> sync = report.map(r -> r.legs().get(l.extentId()));
        return new Views.LegView(
                l.index(),
                l.nodeId(),
                nodeName(s, l.nodeId()),
                l.driveId(),
                l.extentId(),
                l.extentSizeBytes(),
                l.generation(),
                state(l.state()),
                n == null ? Map.of() : n.labels(),
                sync.map(LegSync::state),
                sync.flatMap(LegSync::error),
                l.state() == LegState.READY && !l.awaitingSync(),
                l.missing().map(Missing::describe),
                l.missing().map(m -> time(m.sinceMillis())),
                l.replacedBy(),
                l.kept());
    }

    /** Every agent, with the names of the volumes attached to its host (sorted). */
    static List<AgentApi.AgentView> agents(ClusterState s, Liveness heard) {
        Map<String, List<String>> attached = new TreeMap<>();
        for (Volume v : s.volumes().values()) {
            v.attachment()
                    .ifPresent(a -> attached.computeIfAbsent(a.host(), h -> new ArrayList<>())
                            .add(v.name()));
        }
        return s.agents().values().stream()
                .map(a -> new AgentApi.AgentView(
                        a.host(),
                        a.nbdAddress(),
                        time(heard.lastHeard(a)),
                        attached.getOrDefault(a.host(), List.of()).stream()
                                .sorted()
                                .toList()))
                .toList();
    }

    static Views.OrphanView orphan(ClusterState s, Orphan o) {
        return new Views.OrphanView(
                o.extentId(),
                o.nodeId(),
                nodeName(s, o.nodeId()),
                o.sizeBytes(),
                time(o.sinceMillis()),
                o.reason(),
                o.erase());
    }

    /** A node's name, or its id when the controller no longer knows it. */
    static String nodeName(ClusterState s, UUID node) {
        NodeRecord n = s.nodes().get(node);
        return n == null ? node.toString() : n.name();
    }

    static Views.ClusterView cluster(
            ClusterState s,
            String peerId,
            List<ReplicatedState.Peer> peers,
            double spareFraction,
            Map<UUID, List<PStoreLayout>> layouts) {
        Map<String, Views.DomainView> zones = new TreeMap<>();
        long capacity = 0;
        long free = 0;
        int online = 0;
        for (NodeRecord n : s.nodes().values()) {
            long c = n.drives().stream().mapToLong(DriveState::dataBytes).reduce(0, Limits::addSaturated);
            long f = n.drives().stream().mapToLong(DriveState::freeBytes).reduce(0, Limits::addSaturated);
            boolean up = n.state() == NodeState.ONLINE;
            capacity = Limits.addSaturated(capacity, c);
            free = Limits.addSaturated(free, f);
            online += up ? 1 : 0;
            zones.merge(
                    n.labels().getOrDefault("zone", "-"),
                    new Views.DomainView(1, up ? 1 : 0, c, f),
                    (x, y) -> new Views.DomainView(
                            x.nodes() + y.nodes(),
                            x.online() + y.online(),
                            Limits.addSaturated(x.capacityBytes(), y.capacityBytes()),
                            Limits.addSaturated(x.freeBytes(), y.freeBytes())));
        }
        long available = s.volumes().values().stream()
                .filter(v -> v.state() == VolumeState.AVAILABLE)
                .count();
        long attached = s.volumes().values().stream()
                .filter(v -> v.attachment().isPresent())
                .count();
        long orphanBytes = s.orphans().values().stream()
                .mapToLong(o -> LegLayout.allocatedBytes(o.sizeBytes()))
                .reduce(0, Limits::addSaturated);
        List<String> problems = new ArrayList<>();
        int degraded = 0;
        for (Volume v : s.volumes().values()) {
            HealthViews.Health h = HealthViews.of(s, v);
            if (h.health() != Views.VolumeHealth.HEALTHY) {
                degraded++;
                h.problems().forEach(p -> problems.add("volume " + v.name() + ": " + p));
            }
        }
        int repairs = (int) s.volumes().values().stream()
                .flatMap(v -> v.legs().stream())
                .filter(Leg::awaitingSync)
                .count();
        return new Views.ClusterView(
                peerId,
                peers.stream()
                        .map(p -> new Views.PeerView(p.id(), p.address(), p.leader()))
                        .toList(),
                s.appliedIndex(),
                s.nodes().size(),
                online,
                capacity,
                free,
                zones,
                s.volumes().size(),
                (int) available,
                s.volumes().size() - (int) available,
                s.orphans().size(),
                orphanBytes,
                s.agents().size(),
                (int) attached,
                degraded,
                repairs,
                reprotect(s, spareFraction),
                RebalanceRoutes.view(s, spareFraction, layouts),
                problems);
    }

    /** Sparing space, and the BStores being rebuilt with their nodes' progress. */
    private static ReprotectView reprotect(ClusterState s, double spareFraction) {
        int rebuilding = 0;
        long done = 0;
        long total = 0;
        for (Volume v : s.volumes().values()) {
            for (ErasureLayout.Rebuild r :
                    v.erasure().map(ErasureLayout::rebuilds).orElse(List.of())) {
                rebuilding++;
                NodeRecord n = s.nodes().get(r.replacement().nodeId());
                Optional<LegCopyProgress> p = n == null
                        ? Optional.empty()
                        : n.copies().stream()
                                .filter(c -> c.extentId().equals(r.replacement().extentId()))
                                .findFirst();
                long bytes =
                        p.map(LegCopyProgress::totalBytes).filter(t -> t > 0).orElse(r.bstoreBytes());
                total = Limits.addSaturated(total, bytes);
                done = Limits.addSaturated(
                        done, p.map(LegCopyProgress::doneBytes).orElse(0L));
            }
        }
        return new ReprotectView(
                Sparing.fraction(s, spareFraction), Sparing.bytes(s, spareFraction), rebuilding, done, total);
    }
}
