package dev.cairn.cli;

import dev.cairn.control.api.Requests;
import dev.cairn.control.api.Views;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cairn volume add-replica|remove-replica}: an operator adding or removing a leg. The
 * controller places, creates and orphans; the agent serving the volume syncs a new leg.
 */
final class VolumeReplicaCommands {
    private VolumeReplicaCommands() {}

    @Command(
            name = "add-replica",
            mixinStandardHelpOptions = true,
            description = "Adds a leg to a volume, placed like its other legs (a node none of them is on, a value of"
                    + " the class's spread label none of them has) or on the node given. The agent serving the"
                    + " volume copies every region to it; until then it is not counted in sync.")
    static final class AddReplica extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME|ID")
        String volume;

        @Option(names = "--node", paramLabel = "NODE", description = "Put the new leg on this node (its name or id).")
        Optional<String> node = Optional.empty();

        @Override
        public Integer call() throws Exception {
            Views.VolumeView v = client().volumes().addReplica(volume, new Requests.AddReplica(node.orElse(null)));
            return print(v, AddReplica::printAdded);
        }

        /** The controller numbers a new leg after every other, so the added leg has the highest index. */
        private static void printAdded(PrintWriter out, Views.VolumeView v) {
            Views.LegView added = v.legs().stream()
                    .max(Comparator.comparingInt(Views.LegView::index))
                    .orElseThrow();
            out.printf(
                    "added leg %d to volume %s: node %s (%s), extent %s%n",
                    added.index(),
                    v.name(),
                    added.nodeName(),
                    VolumeCommand.labels(added.nodeLabels()),
                    added.extentId());
            VolumeCommand.printHealth(out, v);
        }
    }

    @Command(
            name = "remove-replica",
            mixinStandardHelpOptions = true,
            description = "Removes a leg from a volume; its extent becomes an orphan that its node erases. Refused"
                    + " when no other leg would be in sync, and below the count the volume's class asks for"
                    + " unless --force (the volume then shows DEGRADED_BY_INTENT).")
    static final class RemoveReplica extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME|ID")
        String volume;

        @Parameters(index = "1", paramLabel = "LEG", description = "The leg's index or extent id (cairn volume show).")
        String leg;

        @Option(names = "--force", description = "Go below the number of legs the volume's class asks for.")
        boolean force;

        @Override
        public Integer call() throws Exception {
            Views.VolumeView v = client().volumes().removeReplica(volume, leg, force);
            return print(v, (out, after) -> {
                out.printf(
                        "removed leg %s from volume %s (its node erases the extent); %d leg%s left%n",
                        leg, after.name(), after.legs().size(), after.legs().size() == 1 ? "" : "s");
                VolumeCommand.printHealth(out, after);
            });
        }
    }
}
