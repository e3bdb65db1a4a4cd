package dev.cairn.control.rest;

import dev.cairn.control.api.Views;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.state.DkvPlanner;
import java.util.Optional;

/** The DKV's layout as the API shows it: to operators without secrets, to its clients with them. */
public final class DkvViews {
    private DkvViews() {}

    /** The DKV in {@code s}; with each mirror's secret if {@code withSecrets}. */
    public static Views.DkvView of(ClusterState s, boolean withSecrets) {
        DkvLayout d = s.dkv();
        return new Views.DkvView(
                d.epoch(),
                DkvLayout.FIRST_KEY,
                d.slotsPerShard(),
                d.reservedKeys(),
                DkvLayout.FIRST_KEY + d.capacityKeys(),
                d.shards().stream()
                        .map(shard -> new Views.DkvShardView(
                                shard.index(),
                                shard.recovering(),
                                shard.mirrors().stream()
                                        .map(m -> mirror(s, m, withSecrets))
                                        .toList(),
                                shard.retired().stream()
                                        .map(m -> mirror(s, m, false))
                                        .toList()))
                        .toList());
    }

    private static Views.DkvMirrorView mirror(ClusterState s, DkvLayout.Mirror m, boolean withSecret) {
        Optional<NodeRecord> n = Optional.ofNullable(s.nodes().get(m.nodeId()));
        return new Views.DkvMirrorView(
                m.extentId(),
                m.nodeId(),
                n.map(NodeRecord::name).orElse(m.nodeId().toString()),
                n.map(node -> ViewMapper.state(node.state())).orElse(Views.NodeState.OFFLINE),
                n.map(NodeRecord::nbdAddress).orElse(""),
                m.driveId(),
                m.ready(),
                DkvPlanner.reportedEpoch(s, m),
                withSecret ? Optional.of(m.secret()) : Optional.empty());
    }
}
