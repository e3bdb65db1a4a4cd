package dev.cairn.control.rest;

import dev.cairn.control.api.ControlJson;
import dev.cairn.control.api.Views;
import dev.cairn.control.erasure.PStoreLayouts;
import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.ReplicatedState;
import dev.cairn.metrics.DaemonMetrics;
import dev.cairn.nbd.tls.HttpsTls;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's REST API (JSON), described by the OpenAPI document at {@code /openapi.json}.
 * Every call under {@code /v1} needs a bearer token: without a valid one it is refused (401); a
 * read-only token may only read (403 otherwise); the node token may only make the calls of nodes
 * and client agents (under {@code /v1/internal/}).
 * {@code /health}, {@code /metrics} (Prometheus, see {@link ControllerMetrics}) and {@code
 * /openapi.json} are open. A malformed or invalid request is refused with a one-line reason and
 * changes nothing.
 */
public final class ControllerApi implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControllerApi.class);
    private static final String ANSWERED = "cairn.answered";
    private static final Set<HandlerType> READS = Set.of(HandlerType.GET, HandlerType.HEAD);
    /** Largest request body read (Javalin's default): every request the API takes is far smaller. */
    static final long MAX_BODY_BYTES = 1_000_000;

    private final Javalin app;
    private final DaemonMetrics daemonMetrics;
    private final ControllerMetrics metrics;
    /** Whether {@link #daemonMetrics} was made here (and so is closed here). */
    private final boolean ownsMetrics;

    private final PStoreLayouts layouts;
    /** How long a read or write of a PStore layout in the DKV may take. */
    private static final Duration LAYOUT_TIMEOUT = Duration.ofSeconds(10);

    /**
     * What the API needs besides the state.
     *
     * @param spareFraction the share of every drive placement keeps free
     * @param repairBytesPerSecond what each agent's resyncs, and each node's copies of legs of
     *     detached volumes, may copy per second (0: no limit)
     * @param https when present, the API is served over HTTPS only, with this server context
     * @param dkvMirrors mirrors of each DKV shard
     * @param kvVolumesPerDrive the most KV volumes placed on one drive
     * @param kvLease how long a node serves its KV volumes after it last heard from the controller
     */
    public record Settings(
            double spareFraction,
            long repairBytesPerSecond,
            Optional<SSLContext> https,
            int dkvMirrors,
            int kvVolumesPerDrive,
            Duration kvLease) {
        /** The lease of a controller that marks nodes offline after 30 s: 20 s. */
        public static final Duration DEFAULT_KV_LEASE = Duration.ofSeconds(20);

        /** The DKV's defaults. */
        public Settings(double spareFraction, long repairBytesPerSecond, Optional<SSLContext> https) {
            this(
                    spareFraction,
                    repairBytesPerSecond,
                    https,
                    DkvLayout.DEFAULT_MIRRORS,
                    DkvLayout.DEFAULT_PER_DRIVE,
                    DEFAULT_KV_LEASE);
        }

        /** Plain HTTP. */
        public Settings(double spareFraction, long repairBytesPerSecond) {
            this(spareFraction, repairBytesPerSecond, Optional.empty());
        }

        /** How the DKV's mirrors are placed. */
        public Command.DkvPlacement dkvPlacement() {
            return new Command.DkvPlacement(dkvMirrors, kvVolumesPerDrive, spareFraction);
        }
    }

    private ControllerApi(
            ReplicatedState state,
            Tokens tokens,
            InstantSource clock,
            Settings settings,
            DaemonMetrics daemonMetrics,
            boolean ownsMetrics,
            InetSocketAddress listen) {
        this.daemonMetrics = daemonMetrics;
        this.ownsMetrics = ownsMetrics;
        this.metrics = ControllerMetrics.register(daemonMetrics.registry(), state, settings.spareFraction());
        DkvRoutes dkv = new DkvRoutes(state, clock, settings.dkvPlacement());
        this.layouts = new PStoreLayouts(state, LAYOUT_TIMEOUT);
        metrics.layouts(layouts::cached);
        ErasureRoutes erasure = new ErasureRoutes(state, dkv, layouts);
        AdminRoutes admin = new AdminRoutes(state, clock, settings.spareFraction(), erasure);
        NodeRoutes nodes = new NodeRoutes(
                state, clock, settings.spareFraction(), settings.repairBytesPerSecond(), settings.kvLease(), erasure);
        AgentRoutes agents = new AgentRoutes(state, clock, settings.repairBytesPerSecond(), erasure);
        RepairRoutes repairs = new RepairRoutes(state, clock, settings.spareFraction(), erasure);
        RebalanceRoutes rebalance = new RebalanceRoutes(state, settings.spareFraction(), layouts);
        byte[] openapi = openApiDocument();
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            // Nodes and agents long-poll for their desired state: one cheap virtual thread per waiting request.
            config.concurrency.useVirtualThreads = true;
            config.startup.showOldJavalinVersionWarning = false;
            config.http.maxRequestSize = MAX_BODY_BYTES;
            config.jsonMapper(new JavalinJackson(ControlJson.lenient(), false));
            config.routes.before(ControllerApi::readWholeBody);
            config.routes.before(ctx -> authorize(ctx, tokens));
            config.routes.before(ctx -> refuseUntilLoaded(ctx, state));
            config.routes.get(
                    "/health",
                    ctx -> ctx.json(new Views.Health(
                            "ok", state.peerId(), state.isLeader(), state.read(s -> s.appliedIndex()))));
            config.routes.get("/metrics", ctx -> {
                metrics.refresh();
                ctx.contentType(DaemonMetrics.CONTENT_TYPE).result(daemonMetrics.scrape());
            });
            config.routes.get(
                    "/openapi.json", ctx -> ctx.contentType("application/json").result(openapi));
            for (Route r : routes(admin, nodes, agents, repairs, rebalance, dkv)) {
                config.routes.addHttpHandler(r.method(), r.path(), r.handler());
            }
            config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            settings.https()
                    .ifPresent(context ->
                            config.jetty.addConnector((server, http) -> https(server, http, context, listen)));
            config.routes.exception(ApiError.class, (e, ctx) -> fail(ctx, e.status(), e.getMessage()));
            // What Javalin itself refuses (a body over its size limit: 413), in the API's error shape.
            config.routes.exception(HttpResponseException.class, (e, ctx) -> {
                switch (e.getStatus()) {
                    case 404 -> fail(ctx, 404, "no such endpoint: " + ctx.method() + " " + ctx.path());
                    case 413 -> {
                        // The rest of the body is not read: the connection cannot carry another request.
                        ctx.header("Connection", "close");
                        fail(ctx, 413, "request body too large: at most " + MAX_BODY_BYTES + " bytes");
                    }
                    default -> fail(ctx, e.getStatus(), e.getMessage());
                }
            });
            config.routes.exception(IOException.class, (e, ctx) -> {
                log.warn("{} {}: the replicated state did not answer: {}", ctx.method(), ctx.path(), e.toString());
                fail(ctx, 503, "the controller cannot reach its replicated state: " + e.getMessage());
            });
            config.routes.exception(Exception.class, (e, ctx) -> {
                log.error("{} {} failed", ctx.method(), ctx.path(), e);
                fail(ctx, 500, "internal error: " + e);
            });
            config.routes.error(404, "*", ctx -> {
                if (ctx.attribute(ANSWERED) == null) {
                    fail(ctx, 404, "no such endpoint: " + ctx.method() + " " + ctx.path());
                }
            });
        });
    }

    /** One endpoint; the OpenAPI document must describe exactly these (a test checks). */
    record Route(HandlerType method, String path, Handler handler) {}

    static List<Route> routes(
            AdminRoutes admin,
            NodeRoutes nodes,
            AgentRoutes agents,
            RepairRoutes repairs,
            RebalanceRoutes rebalance,
            DkvRoutes dkv) {
        return List.of(
                new Route(HandlerType.GET, "/v1/cluster", admin::cluster),
                new Route(HandlerType.GET, "/v1/nodes", admin::listNodes),
                new Route(HandlerType.GET, "/v1/nodes/{id}", admin::showNode),
                new Route(HandlerType.PUT, "/v1/nodes/{id}/labels", admin::labelNode),
                new Route(HandlerType.POST, "/v1/nodes/{id}/drain", repairs::drain),
                new Route(HandlerType.POST, "/v1/nodes/{id}/undrain", repairs::undrain),
                new Route(HandlerType.DELETE, "/v1/nodes/{id}", repairs::remove),
                new Route(HandlerType.GET, "/v1/classes", admin::listClasses),
                new Route(HandlerType.POST, "/v1/classes", admin::createClass),
                new Route(HandlerType.GET, "/v1/classes/{name}", admin::showClass),
                new Route(HandlerType.DELETE, "/v1/classes/{name}", admin::deleteClass),
                new Route(HandlerType.GET, "/v1/volumes", admin::listVolumes),
                new Route(HandlerType.POST, "/v1/volumes", admin::createVolume),
                new Route(HandlerType.GET, "/v1/volumes/{volume}", admin::showVolume),
                new Route(HandlerType.DELETE, "/v1/volumes/{volume}", admin::deleteVolume),
                new Route(HandlerType.POST, "/v1/volumes/{volume}/attach", agents::attach),
                new Route(HandlerType.POST, "/v1/volumes/{volume}/detach", agents::detach),
                new Route(HandlerType.POST, "/v1/volumes/{volume}/resize", repairs::resize),
                new Route(HandlerType.POST, "/v1/volumes/{volume}/replicas", repairs::addReplica),
                new Route(HandlerType.DELETE, "/v1/volumes/{volume}/replicas/{leg}", repairs::removeReplica),
                new Route(HandlerType.GET, "/v1/agents", agents::listAgents),
                new Route(HandlerType.GET, "/v1/orphans", admin::listOrphans),
                new Route(HandlerType.DELETE, "/v1/orphans/{extent}", admin::eraseOrphan),
                new Route(HandlerType.GET, "/v1/rebalance", rebalance::status),
                new Route(HandlerType.PUT, "/v1/rebalance", rebalance::set),
                new Route(HandlerType.POST, "/v1/rebalance/pause", rebalance::pause),
                new Route(HandlerType.POST, "/v1/rebalance/resume", rebalance::resume),
                new Route(HandlerType.GET, "/v1/dkv", dkv::status),
                new Route(HandlerType.POST, "/v1/dkv/reserve", dkv::reserve),
                new Route(HandlerType.GET, "/v1/internal/dkv/layout", dkv::layout),
                new Route(HandlerType.POST, "/v1/internal/nodes/{id}/register", nodes::register),
                new Route(HandlerType.POST, "/v1/internal/nodes/{id}/heartbeat", nodes::heartbeat),
                new Route(HandlerType.GET, "/v1/internal/nodes/{id}/desired", nodes::desired),
                new Route(HandlerType.POST, "/v1/internal/agents/{host}/heartbeat", agents::heartbeat),
                new Route(HandlerType.GET, "/v1/internal/agents/{host}/desired", agents::desired));
    }

    /**
     * A connector on {@code listen} that speaks only TLS, with the protocols NBD's TLS offers
     * (Javalin then adds no plain one). A client is not asked for a certificate: its bearer token
     * says who it is.
     */
    private static ServerConnector https(
            Server server, HttpConfiguration http, SSLContext context, InetSocketAddress listen) {
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setSslContext(context);
        tls.setIncludeProtocols(HttpsTls.protocols());
        ServerConnector connector = new ServerConnector(
                server,
                new SslConnectionFactory(tls, HttpVersion.HTTP_1_1.asString()),
                new HttpConnectionFactory(http));
        connector.setHost(listen.getHostString());
        connector.setPort(listen.getPort());
        return connector;
    }

    /** Serves the API on {@code listen}, with its meters and the JVM's in a registry of its own. */
    public static ControllerApi start(
            ReplicatedState state, Tokens tokens, InstantSource clock, Settings settings, InetSocketAddress listen) {
        return start(state, tokens, clock, settings, listen, DaemonMetrics.create(), true);
    }

    /** Serves the API on {@code listen}; {@code /metrics} shows {@code metrics}, the daemon's registry. */
    public static ControllerApi start(
            ReplicatedState state,
            Tokens tokens,
            InstantSource clock,
            Settings settings,
            InetSocketAddress listen,
            DaemonMetrics metrics) {
        return start(state, tokens, clock, settings, listen, metrics, false);
    }

    private static ControllerApi start(
            ReplicatedState state,
            Tokens tokens,
            InstantSource clock,
            Settings settings,
            InetSocketAddress listen,
            DaemonMetrics metrics,
            boolean ownsMetrics) {
        ControllerApi api = new ControllerApi(state, tokens, clock, settings, metrics, ownsMetrics, listen);
        try {
            api.app.start(listen.getHostString(), listen.getPort());
        } catch (RuntimeException e) {
            if (ownsMetrics) {
                metrics.close();
            }
            throw e;
        }
        return api;
    }

    public int port() {
        return app.port();
    }

    /** The controller's meters (the repair loop counts the repairs it starts there). */
    public ControllerMetrics metrics() {
        return metrics;
    }

    /** The PStore layouts of erasure-coded volumes (the restriper writes them through this). */
    public PStoreLayouts layouts() {
        return layouts;
    }

    private static void authorize(Context ctx, Tokens tokens) {
        String path = ctx.path();
        if (!path.startsWith("/v1/")) {
            return;
        }
        Optional<Role> role = tokens.roleOf(ctx.header("Authorization"));
        if (role.isEmpty()) {
            throw new ApiError(401, "missing or invalid bearer token");
        }
        boolean internal = path.startsWith("/v1/internal/");
        switch (role.get()) {
            case ADMIN -> {}
            case READ -> {
                if (internal || !READS.contains(ctx.method())) {
                    throw new ApiError(403, "a read-only token cannot " + ctx.method() + " " + path);
                }
            }
            case NODE -> {
                if (!internal) {
                    throw new ApiError(403, "the node token is only for the calls of nodes and agents");
                }
            }
        }
    }

    /**
     * Reads a request's whole body first, whatever its route makes of it (a drain takes none): a
     * body left unread would make the server close a keep-alive connection after answering,
     * without a word to the client, whose next request on it then fails. A body over {@link
     * #MAX_BODY_BYTES} is refused (413) as it is read.
     */
    private static void readWholeBody(Context ctx) {
        if (ctx.contentLength() != 0) {
            var _ = ctx.bodyAsBytes();
        }
    }

    /**
     * A restarted peer replays its log before it serves: until then the API (and {@code /health})
     * answers 503 with the progress, rather than from a state half replayed. {@code /metrics} and
     * {@code /openapi.json} answer at once.
     */
    private static void refuseUntilLoaded(Context ctx, ReplicatedState state) {
        String path = ctx.path();
        if ((path.startsWith("/v1/") || path.equals("/health")) && !state.loaded()) {
            ReplicatedState.RaftStatus raft = state.raftStatus();
            throw new ApiError(
                    503,
                    "controller peer " + state.peerId() + " is starting: it has applied its log up to index "
                            + raft.appliedIndex() + " of " + raft.commitIndex() + "; try again in a moment");
        }
    }

    private static void fail(Context ctx, int status, String message) {
        ctx.attribute(ANSWERED, true);
        ctx.status(status).json(new Views.Problem(message));
    }

    private static byte[] openApiDocument() {
        try (InputStream in = ControllerApi.class.getResourceAsStream("openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the controller's resources");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read openapi.json", e);
        }
    }

    @Override
    public void close() {
        app.stop();
        layouts.close();
        if (ownsMetrics) {
            daemonMetrics.close();
        }
    }
}
