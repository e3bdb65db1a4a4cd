package dev.cairn.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.Sizes;
import dev.cairn.control.api.Views;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * {@code cairn cluster status|agents}: the controller peers and a summary of nodes, space and
 * volumes; the client agents.
 */
@Command(
        name = "cluster",
        mixinStandardHelpOptions = true,
        description = "The cluster as the controller sees it.",
        subcommands = {ClusterCommand.Status.class, ClusterCommand.Agents.class})
final class ClusterCommand {

    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            description = "Controller peers, nodes, space, volumes, repairs and problems.")
    static final class Status extends ClientCommand {
        @Override
        public Integer call() throws Exception {
            return show("/v1/cluster", new TypeReference<Views.ClusterView>() {}, Status::printStatus);
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
                            + "orphans:  %d (%s)%n"
                            + "agents:   %d (%d volumes attached)%n"
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
                    c.orphans(),
                    Sizes.human(c.orphanBytes()),
                    c.agents(),
                    c.volumesAttached(),
                    c.appliedIndex(),
                    c.peerId());
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
        }
    }

    @Command(
            name = "agents",
            mixinStandardHelpOptions = true,
            description = "Client agents: their host, NBD address, last heartbeat, and the volumes attached to them.")
    static final class Agents extends ClientCommand {
        @Override
        public Integer call() throws Exception {
            return show("/v1/agents", new TypeReference<List<AgentApi.AgentView>>() {}, Agents::printTable);
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
