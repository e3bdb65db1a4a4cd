package dev.cairn.cli;

import dev.cairn.control.api.Sizes;
import dev.cairn.control.api.Views;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code cairn orphan list|erase}: extents nodes hold that no volume wants. */
@Command(
        name = "orphan",
        mixinStandardHelpOptions = true,
        description = "Extents that nodes hold but no volume wants: legs of deleted volumes (erased by their nodes)"
                + " and extents the controller never knew (kept until erased here).",
        subcommands = {OrphanCommand.ListOrphans.class, OrphanCommand.Erase.class})
final class OrphanCommand {

    static void printTable(PrintWriter out, List<Views.OrphanView> orphans, boolean wide) {
        Table t = new Table("EXTENT", "NODE", "SIZE", "SINCE", "ACTION", "REASON").wide(wide, "NODE ID");
        for (Views.OrphanView o : orphans) {
            t.row(
                    o.extentId(),
                    o.nodeName(),
                    Sizes.human(o.sizeBytes()),
                    o.since(),
                    o.erase() ? "erase" : "keep",
                    o.reason(),
                    o.nodeId());
        }
        t.printOr(out, "no orphans: every extent on the nodes belongs to a volume");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the orphans.")
    static final class ListOrphans extends ClientCommand {
        @Override
        public Integer call() throws Exception {
            return show(c -> c.orphans().list(), (out, list) -> printTable(out, list, options.wide));
        }
    }

    @Command(
            name = "erase",
            mixinStandardHelpOptions = true,
            description = "Has the node holding an orphan the controller never knew erase and free it.")
    static final class Erase extends ClientCommand {
        @Parameters(index = "0", paramLabel = "EXTENT-ID")
        String extent;

        @Override
        public Integer call() throws Exception {
            client().orphans().erase(extent);
            return done("extent " + extent + " will be erased by its node");
        }
    }
}
