package dev.cairn.cli;

import dev.cairn.control.model.Leg;
import dev.cairn.control.model.Volume;
import dev.cairn.control.state.LocalReplicatedState;
import dev.cairn.control.testing.ControllerHarness;
import dev.cairn.testkit.FakeClock;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The command line run against an in-process controller ({@link ControllerHarness}), with nodes
 * that exist only as the commands they would send; the CLI talks to it as it would to a real
 * controller.
 */
final class CliFixture implements AutoCloseable {
    private final Path tokenFile;
    private final ControllerHarness controller;
    final FakeClock clock;
    final LocalReplicatedState state;

    /** What the last {@link #cli} call printed on standard error. */
    private volatile String err = "";

    CliFixture(Path dir) throws IOException {
        tokenFile = Files.writeString(dir.resolve("admin.token"), ControllerHarness.ADMIN_TOKEN + "\n");
        controller = ControllerHarness.start();
        clock = controller.clock();
        state = controller.state();
    }

    /** Registers a node with one 100 GiB drive and the label {@code zone}; its id. */
    UUID addNode(String zone) {
        return controller.addNode(zone);
    }

    /** Every node reports the extents of the legs placed on it as made, as its next heartbeat would. */
    void nodesMakeTheirExtents() {
        controller.nodesMakeTheirExtents();
    }

    Volume volume(String name) {
        return state.read(s -> s.volumeNamed(name).orElseThrow());
    }

    Leg leg(String volume, int index) {
        return volume(volume).legs().stream()
                .filter(l -> l.index() == index)
                .findFirst()
                .orElseThrow();
    }

    /** The extents the controller holds as orphans. */
    Set<UUID> orphans() {
        return state.read(s -> Set.copyOf(s.orphans().keySet()));
    }

    /** Runs the command line against the controller: its standard output, or "exit N" (then see {@link #err}). */
    String cli(String... args) {
        StringWriter out = new StringWriter();
        return cli(out, args);
    }

    /** As {@link #cli(String...)}, printing to {@code out} as it goes (to watch a command that waits). */
    String cli(StringWriter out, String... args) {
        StringWriter errors = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--controller", controller.url(), "--token-file", tokenFile.toString()));
        int code = Main.run(new PrintWriter(out), new PrintWriter(errors), all.toArray(String[]::new));
        err = errors.toString();
        return code == 0 ? out.toString() : "exit " + code;
    }

    String err() {
        return err;
    }

    @Override
    public void close() {
        controller.close();
    }
}
