package dev.cairn.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.cairn.control.api.ControlClient;
import dev.cairn.control.api.Requests;
import dev.cairn.control.api.Views;
import dev.cairn.node.Sizes;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cairn class list|create|delete}: storage classes. */
@Command(
        name = "class",
        mixinStandardHelpOptions = true,
        description = "Storage classes: how many legs a volume has and across which label they spread.",
        subcommands = {ClassCommand.ListClasses.class, ClassCommand.Create.class, ClassCommand.Delete.class})
final class ClassCommand {

    static void print(PrintWriter out, List<Views.StorageClassView> classes) {
        Table t = new Table("NAME", "REPLICAS", "SPREAD ACROSS", "PREFER", "REPAIR AFTER", "REGION", "BUILT-IN");
        for (Views.StorageClassView c : classes) {
            t.row(
                    c.name(),
                    c.replicas(),
                    c.spreadAcross(),
                    c.prefer().orElse("-"),
                    Durations.human(c.repairTimeout()),
                    Sizes.human(c.regionSizeBytes()),
                    c.builtIn() ? "yes" : "no");
        }
        t.print(out);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the storage classes.")
    static final class ListClasses implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            ControlClient client = options.client();
            PrintWriter out = spec.commandLine().getOut();
            if (options.json()) {
                ClientOptions.printJson(out, client.getRaw("/v1/classes"));
            } else {
                print(out, client.get("/v1/classes", new TypeReference<List<Views.StorageClassView>>() {}));
            }
            return 0;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Creates a storage class.")
    static final class Create implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME", description = "Lower-case letters, digits and '-'.")
        String name;

        @Option(names = "--replicas", required = true, description = "Legs per volume, 1 to 5.")
        int replicas;

        @Option(
                names = "--spread-across",
                required = true,
                paramLabel = "LABEL",
                description = "Every leg on a node with a different value of this label (zone, rack, host).")
        String spreadAcross;

        @Option(names = "--prefer", paramLabel = "KEY=VALUE", description = "A soft preference, e.g. zone=a.")
        Optional<String> prefer = Optional.empty();

        @Option(
                names = "--repair-timeout",
                paramLabel = "DURATION",
                description = "How long a leg may be missing before it is replaced (e.g. 10m; default 10m).")
        Optional<String> repairTimeout = Optional.empty();

        @Option(
                names = "--region-size",
                paramLabel = "SIZE",
                description = "Bytes per write-intent bitmap bit, a power of 2 from 64KiB to 1GiB (default 1MiB).")
        Optional<String> regionSize = Optional.empty();

        @Override
        public Integer call() throws Exception {
            Requests.CreateClass request = new Requests.CreateClass(
                    name,
                    replicas,
                    spreadAcross,
                    prefer.orElse(null),
                    repairTimeout
                            .map(d -> Durations.parse(d, "--repair-timeout").toString())
                            .orElse(null),
                    regionSize.map(Sizes::parse).orElse(null));
            Views.StorageClassView created =
                    options.client().post("/v1/classes", request, Views.StorageClassView.class);
            PrintWriter out = spec.commandLine().getOut();
            if (options.json()) {
                ClientOptions.printJson(out, created);
            } else {
                print(out, List.of(created));
            }
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Deletes a class no volume uses.")
    static final class Delete implements Callable<Integer> {
        @Mixin
        ClientOptions options;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            options.client().delete("/v1/classes/" + UrlPath.segment(name));
            spec.commandLine().getOut().println("deleted storage class " + name);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
