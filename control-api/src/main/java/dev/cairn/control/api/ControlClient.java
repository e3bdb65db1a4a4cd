package dev.cairn.control.api;

import static dev.cairn.control.api.ControlTransport.listOf;
import static dev.cairn.control.api.ControlTransport.segment;
import static dev.cairn.control.api.ControlTransport.type;

import com.fasterxml.jackson.databind.JavaType;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.net.ssl.SSLContext;

/**
 * The one typed client of the controller's REST API, for the CLI, the storage nodes, the agents,
 * the local cluster and the tests: {@code control.volumes().create(...)}, {@code
 * control.nodes().drain(id)}, {@code control.node(id).heartbeat(...)}. It is the only place outside
 * the controller's routes where a path of the API is written. Given several controller URLs (the
 * peers of a replicated controller) it fails over between them; errors come back as {@link
 * ControlException} with the server's one-line reason.
 *
 * <p>Where a command names a volume, node, class or leg as a user typed it (a name or an id), the
 * reference is text, sent as one percent-encoded path segment for the controller to resolve.
 */
public final class ControlClient implements AutoCloseable {
    /** No longer than a call usually takes (only a long poll waits longer). */
    private static final Duration USUAL = Duration.ZERO;

    private final ControlTransport http;
    private final Volumes volumes = new Volumes();
    private final Nodes nodes = new Nodes();
    private final Classes classes = new Classes();
    private final Orphans orphans = new Orphans();
    private final Dkv dkv = new Dkv();
    private final Rebalance rebalance = new Rebalance();

    public ControlClient(List<URI> controllers, Optional<String> token, Duration timeout) {
        this(controllers, token, timeout, Optional.empty());
    }

    /**
     * A client of the controllers at {@code controllers}; {@code https} is what {@code https://}
     * URLs are checked with (the controller's CA, and its certificate must name the URL's host),
     * the JDK's trusted CAs when empty.
     */
    public ControlClient(List<URI> controllers, Optional<String> token, Duration timeout, Optional<SSLContext> https) {
        this.http = new ControlTransport(controllers, token, timeout, https);
    }

    /**
     * Stops the HTTP client's thread. A process that made calls exits at once after this; without
     * it the JVM waits up to 0.3 s at exit for that thread, which sits in a native poll.
     */
    @Override
    public void close() {
        http.close();
    }

    /** Parses a comma-separated list of controller URLs. */
    public static List<URI> urls(String commaSeparated) {
        List<URI> uris = new ArrayList<>();
        for (String u : commaSeparated.split(",", -1)) {
            String trimmed = u.strip();
            if (trimmed.isEmpty()) {
                continue;
            }
            URI uri = URI.create(trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
                throw new IllegalArgumentException("controller URL '" + trimmed + "' is not http(s)://HOST:PORT");
            }
            uris.add(uri);
        }
        if (uris.isEmpty()) {
            throw new IllegalArgumentException("no controller URL in '" + commaSeparated + "'");
        }
        return uris;
    }

    /** The cluster at a glance ({@code cairn cluster status}). */
    public Views.ClusterView cluster() throws ControlException {
        return fetch("/v1/cluster", type(Views.ClusterView.class));
    }

    public Volumes volumes() {
        return volumes;
    }

    public Nodes nodes() {
        return nodes;
    }

    public Classes classes() {
        return classes;
    }

    public Orphans orphans() {
        return orphans;
    }

    public Dkv dkv() {
        return dkv;
    }

    public Rebalance rebalance() {
        return rebalance;
    }

    /** The client agents the controller knows. */
    public List<AgentApi.AgentView> agents() throws ControlException {
        return fetch("/v1/agents", listOf(AgentApi.AgentView.class));
    }

    /** What storage node {@code id} says to the controller (with the node token). */
    public NodeChannel node(UUID id) {
        return new NodeChannel("/v1/internal/nodes/" + id);
    }

    /** What the agent on {@code host} says to the controller (with the node token). */
    public AgentChannel agent(String host) {
        return new AgentChannel("/v1/internal/agents/" + segment(host));
    }

    public final class Volumes {
        private Volumes() {}

        public List<Views.VolumeView> list() throws ControlException {
            return fetch("/v1/volumes", listOf(Views.VolumeView.class));
        }

        /** The volume named or numbered {@code volume}. */
        public Views.VolumeView get(String volume) throws ControlException {
            return fetch(path(volume), type(Views.VolumeView.class));
        }

        public Views.VolumeView get(UUID volume) throws ControlException {
            return get(volume.toString());
        }

        public Views.VolumeView create(Requests.CreateVolume request) throws ControlException {
            return submit("/v1/volumes", request, type(Views.VolumeView.class));
        }

        public void delete(String volume) throws ControlException {
            http.send("DELETE", path(volume), null);
        }

        public Views.VolumeView attach(String volume, AgentApi.Attach request) throws ControlException {
            return submit(path(volume) + "/attach", request, type(Views.VolumeView.class));
        }

        public Views.VolumeView detach(String volume) throws ControlException {
            return submit(path(volume) + "/detach", null, type(Views.VolumeView.class));
        }

        /** Grows a volume; it shows the new size once every leg's node has grown its extent. */
        public Views.VolumeView resize(String volume, Requests.ResizeVolume request) throws ControlException {
            return submit(path(volume) + "/resize", request, type(Views.VolumeView.class));
        }

        public Views.VolumeView addReplica(String volume, Requests.AddReplica request) throws ControlException {
            return submit(path(volume) + "/replicas", request, type(Views.VolumeView.class));
        }

        /** Removes leg {@code leg} (its index or extent id); {@code force}: below the class's count. */
        public Views.VolumeView removeReplica(String volume, String leg, boolean force) throws ControlException {
            return http.call(
                    "DELETE",
                    path(volume) + "/replicas/" + segment(leg) + (force ? "?force=true" : ""),
                    null,
                    type(Views.VolumeView.class),
                    USUAL);
        }

        private static String path(String volume) {
            return "/v1/volumes/" + segment(volume);
        }
    }

    public final class Nodes {
        private Nodes() {}

        public List<Views.NodeView> list() throws ControlException {
            return fetch("/v1/nodes", listOf(Views.NodeView.class));
        }

        /** Node {@code node} (an id as a user gave it: the controller says if it is not one). */
        public Views.NodeView get(String node) throws ControlException {
            return fetch(path(node), type(Views.NodeView.class));
        }

        public Views.NodeView get(UUID node) throws ControlException {
            return get(node.toString());
        }

        public Views.NodeView label(String node, Requests.Labels request) throws ControlException {
            return http.call("PUT", path(node) + "/labels", request, type(Views.NodeView.class), USUAL);
        }

        public Views.NodeView drain(String node) throws ControlException {
            return submit(path(node) + "/drain", null, type(Views.NodeView.class));
        }

        public Views.NodeView undrain(String node) throws ControlException {
            return submit(path(node) + "/undrain", null, type(Views.NodeView.class));
        }

        /** Removes a node that holds nothing and is offline (refused, saying what, otherwise). */
        public void remove(String node) throws ControlException {
            http.send("DELETE", path(node), null);
        }

        private static String path(String node) {
            return "/v1/nodes/" + segment(node);
        }
    }

    public final class Classes {
        private Classes() {}

        public List<Views.StorageClassView> list() throws ControlException {
            return fetch("/v1/classes", listOf(Views.StorageClassView.class));
        }

        public Views.StorageClassView get(String name) throws ControlException {
            return fetch("/v1/classes/" + segment(name), type(Views.StorageClassView.class));
        }

        public Views.StorageClassView create(Requests.CreateClass request) throws ControlException {
            return submit("/v1/classes", request, type(Views.StorageClassView.class));
        }

        public void delete(String name) throws ControlException {
            http.send("DELETE", "/v1/classes/" + segment(name), null);
        }
    }

    public final class Orphans {
        private Orphans() {}

        public List<Views.OrphanView> list() throws ControlException {
            return fetch("/v1/orphans", listOf(Views.OrphanView.class));
        }

        /** Has the orphan extent {@code extent} erased (one kept for an operator to decide). */
        public void erase(String extent) throws ControlException {
            http.send("DELETE", "/v1/orphans/" + segment(extent), null);
        }
    }

    /** The DKV's layout: its status, the layout clients use (with what opens each mirror), reservations. */
    public final class Dkv {
        private Dkv() {}

        /** Shards, mirrors, epoch; no secrets. */
        public Views.DkvView status() throws ControlException {
            return fetch("/v1/dkv", type(Views.DkvView.class));
        }

        /** The layout with each mirror's secret (the admin or node token). */
        public Views.DkvView layout() throws ControlException {
            return fetch("/v1/internal/dkv/layout", type(Views.DkvView.class));
        }

        /** Room for {@code keys} more keys; returns once new shards are usable, or {@code wait} ran out. */
        public Views.DkvReservation reserve(long keys, Duration wait) throws ControlException {
            return http.call(
                    "POST",
                    "/v1/dkv/reserve",
                    new Requests.ReserveDkv(keys, wait.toMillis()),
                    type(Views.DkvReservation.class),
                    wait);
        }
    }

    /** The rebalance: its status, pause, resume, and the spread it keeps the drives within. */
    public final class Rebalance {
        private Rebalance() {}

        public RebalanceView status() throws ControlException {
            return fetch("/v1/rebalance", type(RebalanceView.class));
        }

        public RebalanceView pause() throws ControlException {
            return submit("/v1/rebalance/pause", null, type(RebalanceView.class));
        }

        public RebalanceView resume() throws ControlException {
            return submit("/v1/rebalance/resume", null, type(RebalanceView.class));
        }

        /** Moves start when the drives' fill differs by more than {@code points} percentage points. */
        public RebalanceView spread(double points) throws ControlException {
            return http.call(
                    "PUT", "/v1/rebalance", new Requests.SetRebalance(points), type(RebalanceView.class), USUAL);
        }
    }

    /** A storage node's calls: register, heartbeat, long-poll its desired state. */
    public final class NodeChannel {
        private final String base;

        private NodeChannel(String base) {
            this.base = base;
        }

        public Views.NodeView register(Requests.Register request) throws ControlException {
            return submit(base + "/register", request, type(Views.NodeView.class));
        }

        public void heartbeat(Requests.Heartbeat heartbeat) throws ControlException {
            http.send("POST", base + "/heartbeat", heartbeat);
        }

        /** The desired state once it changed after {@code after}, waiting up to {@code wait} for a change. */
        public Views.DesiredView desired(long after, Duration wait) throws ControlException {
            return http.call("GET", poll(base, after, wait), null, type(Views.DesiredView.class), wait);
        }
    }

    /** An agent's calls: heartbeat (registering the host), long-poll the volumes attached to it. */
    public final class AgentChannel {
        private final String base;

        private AgentChannel(String base) {
            this.base = base;
        }

        public void heartbeat(AgentApi.AgentHeartbeat heartbeat) throws ControlException {
            http.send("POST", base + "/heartbeat", heartbeat);
        }

        /** The attached volumes once they changed after {@code after}, waiting up to {@code wait}. */
        public AgentApi.AgentDesiredView desired(long after, Duration wait) throws ControlException {
            return http.call("GET", poll(base, after, wait), null, type(AgentApi.AgentDesiredView.class), wait);
        }
    }

    private static String poll(String base, long after, Duration wait) {
        return base + "/desired?after=" + after + "&waitMillis=" + wait.toMillis();
    }

    @SuppressWarnings("TypeParameterUnusedInFormals") // T is fixed by the JavaType each typed method passes
    private <T> T fetch(String path, JavaType type) throws ControlException {
        return http.call("GET", path, null, type, USUAL);
    }

    @SuppressWarnings("TypeParameterUnusedInFormals") // T is fixed by the JavaType each typed method passes
    private <T> T submit(String path, Object body, JavaType type) throws ControlException {
        return http.call("POST", path, body, type, USUAL);
    }
}
