package dev.cairn.cli;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.model.Volume;
import dev.cairn.control.rest.ControllerApi;
import dev.cairn.control.rest.Tokens;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.LocalReplicatedState;
import dev.cairn.testkit.FakeClock;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The controller's REST API over an in-process replicated state, with nodes that exist only as
 * the commands they would send; the CLI runs against it as it would against a real controller.
 */
final class InProcessController implements AutoCloseable {
    private static final long GIB = 1L << 30;

    final FakeClock clock = new FakeClock();
    final LocalReplicatedState state = new LocalReplicatedState(ClusterState.empty());
    private final ControllerApi api;
    private final Path tokenFile;
    private final Map<UUID, DriveState> drives = new LinkedHashMap<>();

    /** What the last {@link #cli} call printed on standard error. */
    private volatile String err = "";

    InProcessController(Path dir) throws IOException {
        api = ControllerApi.start(
                state,
                new Tokens("admin-token-0123456789", "read-token-0123456789", Optional.empty()),
                clock,
                new ControllerApi.Settings(0, 0),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        tokenFile = Files.writeString(dir.resolve("admin.token"), "admin-token-0123456789\n");
    }

    /** Registers a node with one 100 GiB drive and the label {@code zone}; its id. */
    UUID addNode(String zone) {
        UUID node = UUID.randomUUID();
        DriveState drive = new DriveState(UUID.randomUUID(), 100 * GIB, 100 * GIB, 0, 100 * GIB);
        drives.put(node, drive);
        state.submit(new Command.RegisterNode(
                node,
                "127.0.0.1:" + (10809 + drives.size()),
                "http://127.0.0.1:8410",
                Map.of("zone", zone),
                List.of(drive),
                clock.millis()));
        return node;
    }

    /** Every node reports the extents of the legs placed on it as made, as its next heartbeat would. */
    void nodesMakeTheirExtents() {
        for (Map.Entry<UUID, DriveState> node : drives.entrySet()) {
            List<ObservedExtent> made = state.read(s -> s.volumes().values().stream()
                    .flatMap(v -> v.legs().stream())
                    .filter(l -> l.nodeId().equals(node.getKey()))
                    .map(l -> new ObservedExtent(l.extentId(), l.driveId(), l.extentSizeBytes(), false, l.generation()))
                    .toList());
            state.submit(new Command.Heartbeat(
                    node.getKey(), List.of(node.getValue()), made, List.of(), -1, clock.millis()));
        }
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
        Set<UUID> ids = state.read(s -> Set.copyOf(s.orphans().keySet()));
        return ids;
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
        all.addAll(List.of("--controller", "http://127.0.0.1:" + api.port(), "--token-file", tokenFile.toString()));
        int code = Main.run(new PrintWriter(out), new PrintWriter(errors), all.toArray(String[]::new));
        err = errors.toString();
        return code == 0 ? out.toString() : "exit " + code;
    }

    String err() {
        return err;
    }

    @Override
    public void close() {
        api.close();
    }
}
