package dev.cairn.cli;

import dev.cairn.control.api.RebalanceView;
import dev.cairn.control.api.Sizes;
import dev.cairn.control.state.RebalancePlanner;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn rebalance status|pause|resume|set}: the rebalance of legs over the drives. */
@Command(
        name = "rebalance",
        mixinStandardHelpOptions = true,
        description = "The rebalance: when the drives' fill differs by more than its spread (5 points by default),"
                + " legs move from the fullest drives to the emptiest, each new copy filled before the old one"
                + " goes. Repairs and drains come first.",
        subcommands = {
            RebalanceCommand.Status.class,
            RebalanceCommand.Pause.class,
            RebalanceCommand.Resume.class,
            RebalanceCommand.Set.class
        })
final class RebalanceCommand {
    private RebalanceCommand() {}

    static void print(PrintWriter out, RebalanceView r) {
        out.printf(
                Locale.ROOT,
                "spread:   %.1f points (%s within %.1f)%n"
                        + "state:    %s%n"
                        + "planned:  %s (%s)%n"
                        + "moving:   %s (%s)%n"
                        + "moved:    %s (%s since the cluster began)%n",
                r.spreadPoints(),
                r.balanced() ? "balanced:" : "not",
                r.thresholdPoints(),
                r.paused() ? "paused" : r.waiting().map(w -> "waiting: " + w).orElse("running"),
                r.movesPlanned() >= RebalancePlanner.MAX_PLANNED
                        ? r.movesPlanned() + " moves or more"
                        : Table.count(r.movesPlanned(), "move"),
                Sizes.human(r.bytesPlanned()),
                Table.count(r.movesRunning(), "move"),
                Sizes.human(r.bytesMoving()),
                Table.count(r.moves(), "move"),
                Sizes.human(r.bytesMoved()));
        out.println();
        Table t = new Table("NODE", "DRIVE", "SIZE", "USED", "FILL");
        for (RebalanceView.DriveFill d : r.drives()) {
            t.row(
                    d.node(),
                    d.driveId(),
                    Sizes.human(d.dataBytes()),
                    Sizes.human(d.usedBytes()),
                    String.format(Locale.ROOT, "%.1f%%", d.fillPercent()));
        }
        t.printOr(out, "no drives: no node is online");
    }

    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            description = "Shows the spread of the drives' fill, the moves planned, running and done, and every drive.")
    static final class Status extends ClientCommand {
        @Override
        public Integer call() throws Exception {
            return show(c -> c.rebalance().status(), RebalanceCommand::print);
        }
    }

    @Command(
            name = "pause",
            mixinStandardHelpOptions = true,
            description = "Starts no new move (moves running finish).")
    static final class Pause extends ClientCommand {
        @Override
        public Integer call() throws Exception {
            RebalanceView r = client().rebalance().pause();
            return options.json()
                    ? print(r, (out, x) -> {})
                    : done("rebalance paused"
                            + (r.movesRunning() > 0
                                    ? "; " + Table.count(r.movesRunning(), "move") + " running will finish"
                                    : ""));
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Lets the rebalance start moves again.")
    static final class Resume extends ClientCommand {
        @Override
        public Integer call() throws Exception {
            RebalanceView r = client().rebalance().resume();
            return options.json() ? print(r, (out, x) -> {}) : done("rebalance resumed");
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Sets the spread the rebalance keeps.")
    static final class Set extends ClientCommand {
        @Option(
                names = "--spread",
                required = true,
                paramLabel = "POINTS",
                description = "Moves start when the drives' fill differs by more than this many percentage points"
                        + " (0.5 to 50; 5 by default).")
        double spread;

        @Override
        public Integer call() throws Exception {
            RebalanceView r = client().rebalance().spread(spread);
            return options.json()
                    ? print(r, (out, x) -> {})
                    : done(String.format(Locale.ROOT, "rebalance spread set to %.1f points", r.thresholdPoints()));
        }
    }
}
