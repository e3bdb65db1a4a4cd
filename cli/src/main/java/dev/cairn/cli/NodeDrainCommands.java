package dev.cairn.cli;

import dev.cairn.control.api.ControlClient;
import dev.cairn.control.api.Views;
import dev.cairn.control.api.Wait;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cairn node drain|undrain}: empty a node before maintenance. The controller's repair loop
 * gives each of its legs a replacement elsewhere and removes the old leg once the replacement is in
 * sync, so every volume keeps its protection throughout.
 */
final class NodeDrainCommands {
    private NodeDrainCommands() {}

    /** "since 2026-01-01T00:00:00Z: 2 legs left, 1 moving" */
    static String progress(Views.DrainView d) {
        return "since " + d.since() + ": " + legs(d.legsLeft()) + " left, " + d.legsMoving() + " moving" + kv(d);
    }

    /**
     * ", 1 KV volume left" while the DKV has any on the node; ", BStores of 2 erasure-coded volumes
     * left (1 moving)" while erasure-coded volumes have any.
     */
    private static String kv(Views.DrainView d) {
        String kv = d.kvVolumesLeft() == 0
                ? ""
                : ", " + d.kvVolumesLeft() + " KV volume" + (d.kvVolumesLeft() == 1 ? "" : "s") + " left";
        if (d.erasureVolumesLeft() == 0) {
            // Moved, but still used by the agent until it has switched to the new BStores.
            return kv + (d.bstoresMoving() == 0 ? "" : ", " + d.bstoresMoving() + " moved BStores still in use");
        }
        return kv
                + ", BStores of " + d.erasureVolumesLeft() + " erasure-coded volume"
                + (d.erasureVolumesLeft() == 1 ? "" : "s") + " left (" + d.bstoresMoving() + " moving)";
    }

    private static String legs(int n) {
        return n + (n == 1 ? " leg" : " legs");
    }

    static void printDrain(PrintWriter out, Views.NodeView n) {
        if (n.drain().isEmpty()) {
            out.printf("node %s: not draining%n", n.name());
            return;
        }
        Views.DrainView d = n.drain().get();
        out.printf("node %s draining %s%n", n.name(), progress(d));
        d.waiting().forEach(w -> out.printf("waiting:  %s%n", w));
    }

    @Command(
            name = "drain",
            mixinStandardHelpOptions = true,
            description = "Drains a node: nothing new is placed on it, and each of its legs gets a replacement on"
                    + " another node; the old leg is removed once its replacement is in sync (the agent serving"
                    + " the volume syncs it). With --wait, prints progress until no leg is left on the node.")
    static final class Drain extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NODE", description = "The node's name or id.")
        String id;

        @Option(
                names = "--wait",
                description = "Wait until no leg and no KV volume is left on the node, printing progress.")
        boolean wait;

        @Option(
                names = "--timeout",
                defaultValue = "1h",
                paramLabel = "DURATION",
                description = "With --wait: give up waiting after this long (default ${DEFAULT-VALUE});"
                        + " the drain itself goes on.")
        String timeout;

        @Option(names = "--poll-every", defaultValue = "1s", hidden = true)
        String pollEvery;

        @Override
        public Integer call() throws Exception {
            Duration limit = Durations.parse(timeout, "--timeout");
            Duration poll = Durations.parse(pollEvery, "--poll-every");
            ControlClient client = client();
            Views.NodeView n = client.nodes().drain(id);
            if (wait) {
                n = awaitDrained(client, n, limit, poll);
            }
            return print(
                    n,
                    wait
                            ? (out, done) ->
                                    out.printf("node %s drained: no legs, KV volumes or BStores left%n", done.name())
                            : NodeDrainCommands::printDrain);
        }

        /** Polls the node until its drain is done, printing each change (not with --output json). */
        private Views.NodeView awaitDrained(ControlClient client, Views.NodeView n, Duration limit, Duration poll)
                throws IOException, InterruptedException {
            Progress progress = new Progress(client, n);
            return Wait.real()
                    .forAnswer(limit, poll, progress)
                    .orElseThrow(() -> new IOException("node " + id
                            + " still holds " + legs(progress.last.legsLeft()) + " (" + progress.last.legsMoving()
                            + " moving) after " + timeout + "; the drain goes on: see cairn node show " + id));
        }

        /** One look at the drain: the node when it is done, after printing what changed since the last. */
        private final class Progress implements Wait.Probe<Views.NodeView> {
            private final ControlClient client;
            private final long start = System.nanoTime();
            private Views.NodeView next;
            private Views.DrainView last;

            Progress(ControlClient client, Views.NodeView first) {
                this.client = client;
                this.next = first;
            }

            @Override
            public Optional<Views.NodeView> poll() throws IOException {
                Views.NodeView n = next != null ? next : client.nodes().get(id);
                next = null;
                Views.DrainView d = n.drain()
                        .orElseThrow(() -> new IOException(
                                "node " + id + " stopped draining while waiting (cairn node undrain?)"));
                if (!options.json() && !sameProgress(last, d)) {
                    long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
                    out().printf("%4ds  %s left, %d moving%s%n", seconds, legs(d.legsLeft()), d.legsMoving(), kv(d));
                    d.waiting().forEach(w -> out().printf("       waiting: %s%n", w));
                    out().flush();
                }
                last = d;
                boolean done = d.legsLeft() == 0
                        && d.kvVolumesLeft() == 0
                        && d.erasureVolumesLeft() == 0
                        && d.bstoresMoving() == 0;
                return done ? Optional.of(n) : Optional.empty();
            }
        }

        private static boolean sameProgress(Views.DrainView a, Views.DrainView b) {
            return a != null
                    && a.legsLeft() == b.legsLeft()
                    && a.legsMoving() == b.legsMoving()
                    && a.kvVolumesLeft() == b.kvVolumesLeft()
                    && a.erasureVolumesLeft() == b.erasureVolumesLeft()
                    && a.bstoresMoving() == b.bstoresMoving()
                    && a.waiting().equals(b.waiting());
        }
    }

    @Command(
            name = "undrain",
            mixinStandardHelpOptions = true,
            description = "Stops draining a node: new legs may be placed on it again; legs not yet moving stay,"
                    + " replacements already placed finish.")
    static final class Undrain extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NODE", description = "The node's name or id.")
        String id;

        @Override
        public Integer call() throws Exception {
            boolean wasDraining = client().nodes().get(id).drain().isPresent();
            Views.NodeView n = client().nodes().undrain(id);
            if (options.json()) {
                return print(n, NodeDrainCommands::printDrain);
            }
            return done(
                    wasDraining
                            ? "node " + n.name() + ": drain stopped; new legs may be placed on it again"
                            : "node " + n.name() + " was not draining; nothing to stop");
        }
    }

    @Command(
            name = "remove",
            mixinStandardHelpOptions = true,
            description = "Removes a node from the cluster once it holds nothing (drain it first) and is offline (stop"
                    + " its daemon first): what it still holds is said otherwise.")
    static final class Remove extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NODE", description = "The node's name or id.")
        String id;

        @Override
        public Integer call() throws Exception {
            String name = client().nodes().get(id).name();
            client().nodes().remove(id);
            return done("node " + name + " removed from the cluster");
        }
    }
}
