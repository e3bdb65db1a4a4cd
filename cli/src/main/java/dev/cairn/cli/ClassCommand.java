package dev.cairn.cli;

import dev.cairn.control.api.Requests;
import dev.cairn.control.api.Sizes;
import dev.cairn.control.api.Views;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn class list|create|delete}: storage classes. */
@Command(
        name = "class",
        mixinStandardHelpOptions = true,
        description = "Storage classes: how many legs a volume has (or which erasure code protects it) and across"
                + " which label they spread.",
        subcommands = {ClassCommand.ListClasses.class, ClassCommand.Create.class, ClassCommand.Delete.class})
final class ClassCommand {

    static void printTable(PrintWriter out, List<Views.StorageClassView> classes) {
        Table t = new Table("NAME", "PROTECTION", "SPREAD ACROSS", "PREFER", "REPAIR AFTER", "REGION", "BUILT-IN");
        for (Views.StorageClassView c : classes) {
            t.row(
                    c.name(),
                    c.erasure()
                            .map(ec -> "erasure " + ec + (c.spareNode() ? ", spares a node" : ""))
                            .orElse(c.replicas() + (c.replicas() == 1 ? " leg" : " legs")),
                    c.spreadAcross(),
                    c.prefer().orElse("-"),
                    Durations.human(c.repairTimeout()),
                    Sizes.human(c.regionSizeBytes()),
                    c.builtIn() ? "yes" : "no");
        }
        t.print(out);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the storage classes.")
    static final class ListClasses extends ClientCommand {
        @Override
        public Integer call() throws Exception {
            return show(c -> c.classes().list(), ClassCommand::printTable);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Creates a storage class.")
    static final class Create extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "Lower-case letters, digits and '-'.")
        String name;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Protection protection;

        /** Legs, or an erasure code: one of the two. */
        static final class Protection {
            @Option(names = "--replicas", description = "Legs per volume, 1 to 5.")
            Integer replicas;

            @Option(
                    names = "--ec",
                    paramLabel = "K+M",
                    description = "Erasure-coded: every PStore is K data and M parity BStores, each on its own"
                            + " value of --spread-across; survives M lost (e.g. 4+2: 1.5x the size, 2 lost).")
            String ec;
        }

        @Option(
                names = "--spread-across",
                required = true,
                paramLabel = "LABEL",
                description = "Every leg (or BStore of a PStore) on a node with a different value of this label"
                        + " (zone, rack, host).")
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

        @Option(
                names = "--spare-node",
                description = "Erasure-coded only: every drive keeps sparing space to rebuild a whole lost node"
                        + " (by default, the largest drive), so more of each drive is held back.")
        boolean spareNode;

        @Override
        public Integer call() throws Exception {
            Requests.CreateClass request = new Requests.CreateClass(
                    name,
                    protection.replicas,
                    spreadAcross,
                    prefer.orElse(null),
                    repairTimeout
                            .map(d -> Durations.parse(d, "--repair-timeout").toString())
                            .orElse(null),
                    regionSize.map(t -> Sizes.parse(t, "--region-size")).orElse(null),
                    protection.ec,
                    spareNode ? Boolean.TRUE : null);
            Views.StorageClassView created = client().classes().create(request);
            return print(created, (out, c) -> printTable(out, List.of(c)));
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Deletes a class no volume uses.")
    static final class Delete extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            client().classes().delete(name);
            return done("deleted storage class " + name);
        }
    }
}
