package dev.cairn.cli;

import dev.cairn.control.api.Requests;
import dev.cairn.control.api.Sizes;
import dev.cairn.control.api.Views;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn node list|show|label}: the nodes as the controller knows them. */
final class NodeAdminCommands {
    private NodeAdminCommands() {}

    /** A node's name; its id from a controller older than names. */
    static String name(Views.NodeView n) {
        return n.name() != null ? n.name() : n.id().toString();
    }

    /** The nodes by name (node-2 before node-10); with {@code wide}, their ids too. */
    static void printList(PrintWriter out, List<Views.NodeView> nodes, boolean wide) {
        Table t = new Table("NAME", "STATE", "LABELS", "NBD", "CAPACITY", "FREE", "EXTENTS", "LAST HEARTBEAT")
                .wide(wide, "ID");
        nodes.stream()
                .sorted(Comparator.comparing(NodeAdminCommands::name, Table.NATURAL))
                .forEach(n -> t.row(
                        name(n),
                        n.drain().isPresent() ? n.state() + " (draining)" : n.state(),
                        VolumeCommand.labels(n.labels()),
                        n.nbdAddress(),
                        Sizes.human(n.capacityBytes()),
                        Sizes.human(n.freeBytes()),
                        n.extentCount(),
                        n.lastHeartbeat(),
                        n.id()));
        t.printOr(out, "no nodes: start one with cairn node --controller URL (see cairn help node)");
    }

    static void printOne(PrintWriter out, Views.NodeView n) {
        out.printf(
                "name:            %s%nid:              %s%nstate:           %s%nlabels:          %s%n"
                        + "nbd:             %s%nadmin:           %s%n"
                        + "space:           %s free of %s%nregistered:      %s%nlast heartbeat:  %s%n",
                name(n),
                n.id(),
                n.state(),
                VolumeCommand.labels(n.labels()),
                n.nbdAddress(),
                n.adminUrl(),
                Sizes.human(n.freeBytes()),
                Sizes.human(n.capacityBytes()),
                n.registeredAt(),
                n.lastHeartbeat());
        n.errors().forEach(e -> out.println("error:           " + e));
        n.drain().ifPresent(d -> {
            out.println("drain:           " + NodeDrainCommands.progress(d));
            d.waiting().forEach(w -> out.println("  waiting:       " + w));
        });
        for (Views.CopyView c : n.copies()) {
            out.println("copy:            extent " + c.extentId() + " " + c.state()
                    + (c.state() == Views.CopyState.COPYING
                            ? " " + Sizes.human(c.doneBytes()) + " of " + Sizes.human(c.totalBytes()) + " at "
                                    + Sizes.human(c.bytesPerSecond()) + "/s"
                            : "")
                    + (c.message().isEmpty() ? "" : ": " + c.message()));
        }
        out.println();
        Table drives = new Table("DRIVE", "CAPACITY", "USED", "FREE", "LARGEST FREE");
        for (Views.DriveView d : n.drives()) {
            drives.row(
                    d.id(),
                    Sizes.human(d.dataBytes()),
                    Sizes.human(d.usedBytes()),
                    Sizes.human(d.freeBytes()),
                    Sizes.human(d.largestFreeBytes()));
        }
        drives.print(out);
        if (n.extents() != null && !n.extents().isEmpty()) {
            out.println();
            Table extents = new Table("EXTENT", "DRIVE", "SIZE", "GENERATION", "STATE");
            for (Views.ExtentView e : n.extents()) {
                extents.row(
                        e.id(),
                        e.driveId(),
                        Sizes.human(e.sizeBytes()),
                        e.generation(),
                        e.erasing() ? "erasing" : "active");
            }
            extents.print(out);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the nodes the controller knows.")
    static final class ListNodes extends ClientCommand {
        @Override
        public Integer call() throws Exception {
            return show(c -> c.nodes().list(), (out, nodes) -> printList(out, nodes, options.wide));
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Shows a node, its drives and extents.")
    static final class Show extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NODE", description = "The node's name or id.")
        String id;

        @Override
        public Integer call() throws Exception {
            return show(c -> c.nodes().get(id), NodeAdminCommands::printOne);
        }
    }

    @Command(
            name = "label",
            mixinStandardHelpOptions = true,
            description = "Sets or removes a node's labels (they win over the labels the node starts with).")
    static final class Label extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NODE", description = "The node's name or id.")
        String id;

        @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "Labels to set.")
        List<String> set = new ArrayList<>();

        @Option(names = "--remove", paramLabel = "KEY", description = "A label to remove. Repeatable.")
        List<String> remove = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            if (set.isEmpty() && remove.isEmpty()) {
                throw new IllegalArgumentException("nothing to do: give KEY=VALUE labels to set or --remove KEY");
            }
            Views.NodeView n = client().nodes().label(id, new Requests.Labels(NodeCommand.parseLabels(set), remove));
            return print(n, (out, v) -> out.println("node " + v.name() + ": " + VolumeCommand.labels(v.labels())));
        }
    }
}
