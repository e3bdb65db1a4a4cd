package dev.cairn.control.testing;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.rest.ControllerApi;
import dev.cairn.control.rest.Tokens;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.LocalReplicatedState;
import dev.cairn.testkit.AdminHttp;
import dev.cairn.testkit.FakeClock;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * One controller in this JVM for tests, in the spirit of Ratis's {@code MiniRaftCluster}: the real
 * REST API over an in-process {@link LocalReplicatedState}, on a loopback port the system picks at
 * run time, with a fake clock and fixed tokens. The REST tests, the node's tests and the CLI's tests
 * all start their controller here; {@link #close} stops it.
 *
 * <p>Nodes can also be registered the short way, as the commands a node's registration and
 * heartbeats would submit ({@link #addNode}, {@link #nodesMakeTheirExtents}), for tests of what sits
 * above the node protocol.
 */
public final class ControllerHarness implements AutoCloseable {
    public static final String ADMIN_TOKEN = "admin-token-0123456789";
    public static final String READ_TOKEN = "read-token-0123456789";
    public static final String NODE_TOKEN = "node-token-0123456789";
    private static final long GIB = 1L << 30;

    private final FakeClock clock;
    private final LocalReplicatedState state;
    private final ControllerApi api;
    private final String scheme;
    /** The drive of each node added by {@link #addNode}, in the order added. */
    private final Map<UUID, DriveState> drives = new LinkedHashMap<>();

    private ControllerHarness(FakeClock clock, LocalReplicatedState state, ControllerApi api, String scheme) {
        this.clock = clock;
        this.state = state;
        this.api = api;
        this.scheme = scheme;
    }

    /** A controller over plain HTTP that keeps no spare space and does not limit repair copies. */
    public static ControllerHarness start() {
        return start(new ControllerApi.Settings(0, 0));
    }

    /** A controller with these settings (spare space, repair rate, HTTPS), on an empty cluster state. */
    public static ControllerHarness start(ControllerApi.Settings settings) {
        FakeClock clock = new FakeClock();
        LocalReplicatedState state = new LocalReplicatedState(ClusterState.empty());
        ControllerApi api = ControllerApi.start(
                state,
                new Tokens(ADMIN_TOKEN, READ_TOKEN, Optional.of(NODE_TOKEN)),
                clock,
                settings,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return new ControllerHarness(clock, state, api, settings.https().isPresent() ? "https" : "http");
    }

    /** The clock the controller reads: tests move it by hand. */
    public FakeClock clock() {
        return clock;
    }

    /** The controller's state, to submit commands and read it directly. */
    public LocalReplicatedState state() {
        return state;
    }

    public ControllerApi api() {
        return api;
    }

    public int port() {
        return api.port();
    }

    /** The base URL of the REST API, such as {@code http://127.0.0.1:PORT}. */
    public String url() {
        return scheme + "://127.0.0.1:" + api.port();
    }

    /** A plain-HTTP client of the REST API presenting {@code token}, or none. */
    public AdminHttp client(Optional<String> token) {
        return new AdminHttp(url(), token);
    }

    /**
     * Registers a node with one empty 100 GiB drive and the label {@code zone}, named node-N (N
     * counting from 1 in the order added), as the node's registration would; its id.
     */
    public UUID addNode(String zone) {
        UUID node = UUID.randomUUID();
        DriveState drive = new DriveState(UUID.randomUUID(), 100 * GIB, 100 * GIB, 0, 100 * GIB);
        drives.put(node, drive);
        state.submit(new Command.RegisterNode(
                node,
                "127.0.0.1:" + (10809 + drives.size()),
                "http://127.0.0.1:8410",
                Map.of("zone", zone),
                List.of(drive),
                clock.millis(),
                "node-" + drives.size()));
        return node;
    }

    /**
     * Every node added by {@link #addNode} reports the extents of the legs placed on it as made, as
     * its next heartbeat would.
     */
    public void nodesMakeTheirExtents() {
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

    @Override
    public void close() {
        api.close();
    }
}
