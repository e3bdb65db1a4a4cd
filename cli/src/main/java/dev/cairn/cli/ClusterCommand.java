package dev.cairn.cli;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.ControlClient;
import dev.cairn.control.api.ControlException;
import dev.cairn.control.api.RebalanceView;
import dev.cairn.control.api.Sizes;
import dev.cairn.control.api.Views;
import dev.cairn.local.LocalCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cairn cluster status|agents}: the controller peers and a summary of nodes, space and
 * volumes; the client agents.
 */
@Command(
        name = "cluster",
        mixinStandardHelpOptions = true,
        description = "The cluster as the controller sees it.",
        subcommands = {
            ClusterLocalCommands.Up.class,
            ClusterLocalCommands.Down.class,
            ClusterCommand.Status.class,
            ClusterCommand.Agents.class
        })
final class ClusterCommand {

    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            description = "Controller peers, nodes by zone, space, volumes and their legs, repairs in progress,"
                    + " problems; for a local cluster, its processes.")
    static final class Status extends ClientCommand {
        @Option(
                names = "--dir",
                paramLabel = "DIR",
                description = "Talk to the local cluster kept in DIR (default: the controller named by --controller"
                        + " or $CAIRN_CONTROLLER, else the local cluster in $CAIRN_CLUSTER_DIR or ~/.cairn/cluster).")
        Optional<Path> dir = Optional.empty();

        @Override
        public Integer call() throws Exception {
            if (dir.isPresent()) {
                options.useLocal(LocalCluster.open(dir.get())
                        .orElseThrow(() -> new IllegalArgumentException("no local cluster in " + dir.get())));
            }
            Optional<LocalCluster> local = options.target();
            if (options.json()) {
                return show(ControlClient::cluster, Status::printStatus);
            }
            PrintWriter out = out();
            if (local.isPresent()) {
                out.println("local cluster in " + local.get().dir());
                ClusterTables.processes(out, local.get());
                out.println();
            }
            Views.ClusterView cluster;
            try {
                cluster = client().cluster();
            } catch (ControlException e) {
                if (local.isPresent()) {
                    throw new IOException(
                            e.getMessage() + "; is the local cluster up? (bin/cairn cluster up --dir "
                                    + local.get().dir() + ")",
                            e);
                }
                throw e;
            }
            printStatus(out, cluster);
            out.println();
            ClusterTables.nodes(out, client().nodes().list(), options.wide);
            out.println();
            List<Views.VolumeView> volumes = client().volumes().list();
            ClusterTables.volumes(out, volumes);
            out.println();
            ClusterTables.repairs(out, volumes);
            out.flush();
            return 0;
        }

        private static void printStatus(PrintWriter out, Views.ClusterView c) {
            Table peers = new Table("PEER", "ADDRESS", "ROLE");
            c.peers().forEach(p -> peers.row(p.id(), p.address(), p.leader() ? "leader" : "follower"));
            peers.print(out);
            out.println();
            out.printf(
                    "nodes:    %d online of %d%n"
                            + "space:    %s free of %s%n"
                            + "volumes:  %d (%d available, %d creating, %d degraded)%n"
                            + "repairs:  %d running (new legs not yet in sync)%n"
                            + "sparing:  %s (%s%% of every drive, for erasure-coded volumes' reprotect)%n"
                            + "rebuilds: %d BStores being rebuilt (%s of %s written)%n"
                            + "orphans:  %d (%s)%n"
                            + "agents:   %d (%s attached)%n"
                            + "log:      applied index %d (answered by %s)%n",
                    c.nodesOnline(),
                    c.nodes(),
                    Sizes.human(c.freeBytes()),
                    Sizes.human(c.capacityBytes()),
                    c.volumes(),
                    c.volumesAvailable(),
                    c.volumesCreating(),
                    c.volumesDegraded(),
                    c.repairsRunning(),
                    Sizes.human(c.reprotect().sparingBytes()),
                    String.format(Locale.ROOT, "%.1f", c.reprotect().sparingFraction() * 100),
                    c.reprotect().rebuilding(),
                    Sizes.human(c.reprotect().rebuiltBytes()),
                    Sizes.human(c.reprotect().rebuildBytes()),
                    c.orphans(),
                    Sizes.human(c.orphanBytes()),
                    c.agents(),
                    Table.count(c.volumesAttached(), "volume"),
                    c.appliedIndex(),
                    c.peerId());
            RebalanceView r = c.rebalance();
            out.printf(
                    Locale.ROOT,
                    "balance:  drives' fill %.1f points apart (%s %.1f); rebalance %s, %s planned, %s moving, %s moved%n",
                    r.spreadPoints(),
                    r.balanced() ? "within" : "beyond",
                    r.thresholdPoints(),
                    r.paused()
                            ? "paused"
                            : r.waiting().map(w -> "waiting (" + w + ")").orElse("running"),
                    Sizes.human(r.bytesPlanned()),
                    Sizes.human(r.bytesMoving()),
                    Sizes.human(r.bytesMoved()));
            c.problems().forEach(p -> out.println("problem:  " + p));
            if (!c.zones().isEmpty()) {
                out.println();
                Table zones = new Table("ZONE", "NODES", "ONLINE", "CAPACITY", "FREE");
                for (Map.Entry<String, Views.DomainView> z : c.zones().entrySet()) {
                    Views.DomainView d = z.getValue();
                    zones.row(
                            z.getKey(),
                            d.nodes(),
                            d.online(),
                            Sizes.human(d.capacityBytes()),
                            Sizes.human(d.freeBytes()));
                }
                zones.print(out);
            }
            if (!r.drives().isEmpty()) {
                out.println();
                Table drives = new Table("NODE", "DRIVE", "SIZE", "FILL");
                r.drives()
                        .forEach(d -> drives.row(
                                d.node(),
                                d.driveId(),
                                Sizes.human(d.dataBytes()),
                                String.format(Locale.ROOT, "%.1f%%", d.fillPercent())));
                drives.print(out);
            }
        }
    }

    @Command(
            name = "agents",
            mixinStandardHelpOptions = true,
            description = "Client agents: their host, NBD address, last heartbeat, and the volumes attached to them.")
    static final class Agents extends ClientCommand {
        @Override
        public Integer call() throws Exception {
            return show(ControlClient::agents, Agents::printTable);
        }

        static void printTable(PrintWriter out, List<AgentApi.AgentView> agents) {
            Table t = new Table("HOST", "NBD ADDRESS", "LAST HEARTBEAT", "VOLUMES");
            for (AgentApi.AgentView a : agents) {
                t.row(
                        a.host(),
                        a.nbdAddress(),
                        a.lastHeartbeat(),
                        a.volumes().isEmpty() ? "-" : String.join(",", a.volumes()));
            }
            t.print(out);
        }
    }
}
