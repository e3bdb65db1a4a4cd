package dev.cairn.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.cairn.control.api.ControlClient;
import dev.cairn.control.api.Views;
import dev.cairn.node.Sizes;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cairn orphan list|erase}: extents nodes hold that no volume wants. */
@Command(
        name = "orphan",
        mixinStandardHelpOptions = true,
        description = "Extents that nodes hold but no volume wants: legs of deleted volumes (erased by their nodes)"
                + " and extents the controller never knew (kept until erased here).",
        subcommands = {OrphanCommand.ListOrphans.class, OrphanCommand.Erase.class})
final class OrphanCommand {

    static void print(PrintWriter out, List<Views.OrphanView> orphans) {
        Table t = new Table("EXTENT", "NODE", "SIZE", "SINCE", "ACTION", "REASON");
        for (Views.OrphanView o : orphans) {
            t.row(
                    o.extentId(),
                    o.nodeId(),
                    Sizes.human(o.sizeBytes()),
                    o.since(),
                    o.erase() ? "erase" : "keep",
                    o.reason());
        }
        t.print(out);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the orphans.")
    static final class ListOrphans implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            ControlClient client = options.client();
            PrintWriter out = spec.commandLine().getOut();
            if (options.json()) {
                ClientOptions.printJson(out, client.getRaw("/v1/orphans"));
            } else {
                print(out, client.get("/v1/orphans", new TypeReference<List<Views.OrphanView>>() {}));
            }
            return 0;
        }
    }

    @Command(
            name = "erase",
            mixinStandardHelpOptions = true,
            description = "Has the node holding an orphan the controller never knew erase and free it.")
    static final class Erase implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "EXTENT-ID")
        String extent;

        @Override
        public Integer call() throws Exception {
            ControlClient client = options.client();
            client.send("DELETE", "/v1/orphans/" + UrlPath.segment(extent), null);
            spec.commandLine().getOut().println("extent " + extent + " will be erased by its node");
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
