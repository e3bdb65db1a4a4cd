package dev.cairn.cli;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.Sizes;
import dev.cairn.control.api.Views;
import dev.cairn.local.LocalCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The detail tables of {@code cluster status}: nodes by zone, volumes and their legs, repairs, processes. */
final class ClusterTables {
    private ClusterTables() {}

    /** The nodes by zone, then name; with {@code wide}, their ids too. */
    static void nodes(PrintWriter out, List<Views.NodeView> nodes, boolean wide) {
        Table t =
                new Table("ZONE", "NODE", "STATE", "CAPACITY", "USED", "FREE", "EXTENTS", "PROBLEMS").wide(wide, "ID");
        nodes.stream()
                .sorted(Comparator.comparing((Views.NodeView n) -> label(n.labels(), "zone"), Table.NATURAL)
                        .thenComparing(NodeAdminCommands::name, Table.NATURAL))
                .forEach(n -> t.row(
                        label(n.labels(), "zone"),
                        NodeAdminCommands.name(n),
                        n.state() + n.drain().map(d -> ",DRAINING").orElse(""),
                        Sizes.human(n.capacityBytes()),
                        Sizes.human(n.usedBytes()),
                        Sizes.human(n.freeBytes()),
                        n.extentCount(),
                        n.errors().isEmpty() ? "-" : String.join("; ", n.errors()),
                        n.id()));
        t.print(out);
    }

    static void volumes(PrintWriter out, List<Views.VolumeView> volumes) {
        if (volumes.isEmpty()) {
            out.println("no volumes");
            return;
        }
        Table t = new Table("VOLUME", "HEALTH", "SIZE", "CLASS", "ATTACHED", "LEGS (ZONE/NODE:STATE)");
        for (Views.VolumeView v : volumes) {
            StringBuilder legs = new StringBuilder();
            for (Views.LegView l : v.legs()) {
                if (!legs.isEmpty()) {
                    legs.append(' ');
                }
                legs.append(label(l.nodeLabels(), "zone"))
                        .append('/')
                        .append(l.nodeName())
                        .append(':')
                        .append(legState(l));
            }
            t.row(
                    v.name(),
                    v.health(),
                    Sizes.human(v.sizeBytes()),
                    v.className(),
                    v.attachment().map(Views.AttachmentView::host).orElse("-"),
                    legs);
        }
        t.print(out);
    }

    /** Legs being filled: new legs not yet in sync, with the sync's progress as the agent reports it. */
    static void repairs(PrintWriter out, List<Views.VolumeView> volumes) {
        Table t = new Table("VOLUME", "LEG", "ZONE/NODE", "PROGRESS", "RATE");
        int rows = 0;
        for (Views.VolumeView v : volumes) {
            for (Views.LegView l : v.legs()) {
                if (l.synced() || l.missing().isPresent() || v.state() == Views.VolumeState.CREATING) {
                    continue;
                }
                Optional<AgentApi.ResyncReport> r = v.resync().filter(x -> x.totalBytes() > 0);
                t.row(
                        v.name(),
                        l.index(),
                        label(l.nodeLabels(), "zone") + "/" + l.nodeName(),
                        r.map(x -> String.format(
                                        "%s of %s (%d%%)",
                                        Sizes.human(x.doneBytes()),
                                        Sizes.human(x.totalBytes()),
                                        100 * x.doneBytes() / x.totalBytes()))
                                .orElse(l.state() + l.sync().map(s -> ", " + s).orElse("")),
                        r.map(x -> Sizes.human(x.bytesPerSecond()) + "/s").orElse("-"));
                rows++;
            }
        }
        if (rows == 0) {
            out.println("no repairs in progress");
        } else {
            t.print(out);
        }
    }

    static void processes(PrintWriter out, LocalCluster cluster) throws IOException {
        Table t = new Table("PROCESS", "ZONE", "PID", "LOG");
        for (LocalCluster.Member m : cluster.members()) {
            t.row(
                    m.name(),
                    m.zone().orElse("-"),
                    cluster.running(m).map(h -> Long.toString(h.pid())).orElse("stopped"),
                    m.log());
        }
        t.print(out);
    }

    private static String legState(Views.LegView l) {
        if (l.kept()) {
            return "KEPT";
        }
        if (l.missing().isPresent()) {
            return "MISSING";
        }
        if (l.state() == Views.LegState.CREATING) {
            return "CREATING";
        }
        if (!l.synced()) {
            return "SYNCING";
        }
        return l.sync().map(Enum::name).orElse(l.state().name());
    }

    private static String label(Map<String, String> labels, String key) {
        return labels.getOrDefault(key, "-");
    }
}
