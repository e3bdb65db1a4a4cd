package dev.cairn.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.control.api.RequestBodies;
import dev.cairn.drive.DriveException;
import dev.cairn.drive.ExtentAccess;
import dev.cairn.drive.ExtentRecord;
import dev.cairn.metrics.DaemonMetrics;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.json.JavalinJackson;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's admin HTTP API (JSON): health, node and drive inventory, and extent create / list /
 * show / set-access / delete. The controller drives it; people and tests can too.
 *
 * <p>Every malformed request gets a 4xx with a message saying what was wrong, and changes nothing.
 * Every call but {@code /health} and {@code /metrics} (the Prometheus text format, see {@link
 * NodeMetrics}) needs {@code Authorization: Bearer TOKEN} with the node's admin token: whoever can
 * set an extent's generation and secret can take over a leg, so there is no open mode.
 */
final class AdminApi implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminApi.class);

    /** Marks a response that already carries our error body, so the 404 fallback leaves it alone. */
    private static final String ANSWERED = "cairn.answered";

    /** What answers without a token: liveness and the Prometheus scrape, as monitoring expects. */
    private static final Set<String> OPEN = Set.of("/health", "/metrics");

    /** Writes the answers; requests are read by {@link RequestBodies}. */
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StorageNode node;
    private final Javalin app;

    private AdminApi(StorageNode node, String token) {
        this.node = node;
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.jsonMapper(new JavalinJackson(JSON, false));
            config.routes.before(ctx -> authorize(ctx, token));
            config.routes.get("/health", this::health);
            config.routes.get(
                    "/metrics",
                    ctx -> ctx.contentType(DaemonMetrics.CONTENT_TYPE).result(node.scrapeMetrics()));
            config.routes.get("/v1/node", this::nodeInfo);
            config.routes.get("/v1/extents", this::list);
            config.routes.post("/v1/extents", this::create);
            config.routes.get("/v1/extents/{id}", this::show);
            config.routes.put("/v1/extents/{id}/access", this::setAccess);
            config.routes.delete("/v1/extents/{id}", this::delete);
            config.routes.exception(DriveException.class, (e, ctx) -> fail(ctx, status(e), e.getMessage()));
            config.routes.exception(BadRequest.class, (e, ctx) -> fail(ctx, 400, e.getMessage()));
            config.routes.exception(IllegalArgumentException.class, (e, ctx) -> fail(ctx, 400, e.getMessage()));
            config.routes.exception(Unauthorized.class, (e, ctx) -> fail(ctx, 401, e.getMessage()));
            config.routes.exception(Exception.class, (e, ctx) -> {
                log.error("admin API {} {} failed", ctx.method(), ctx.path(), e);
                fail(ctx, 500, "internal error: " + e);
            });
            config.routes.error(404, "*", ctx -> {
                if (ctx.attribute(ANSWERED) == null) {
                    fail(ctx, 404, "no such endpoint: " + ctx.method() + " " + ctx.path());
                }
            });
        });
    }

    static AdminApi start(StorageNode node, InetSocketAddress listen, String token) {
        AdminApi api = new AdminApi(node, token);
        api.app.start(listen.getHostString(), listen.getPort());
        return api;
    }

    int port() {
        return app.port();
    }

    private static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    private static final class Unauthorized extends RuntimeException {
        Unauthorized(String message) {
            super(message, null, false, false);
        }
    }

    private static void authorize(Context ctx, String token) {
        if (OPEN.contains(ctx.path())) {
            return;
        }
        String header = ctx.header("Authorization");
        String expected = "Bearer " + token;
        if (header == null
                || !MessageDigest.isEqual(
                        header.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8))) {
            throw new Unauthorized("missing or wrong bearer token");
        }
    }

    private static void fail(Context ctx, int status, String message) {
        ctx.attribute(ANSWERED, true);
        ctx.status(status).json(new AdminViews.Problem(message));
    }

    private static int status(DriveException e) {
        return switch (e.reason()) {
            case NOT_FOUND -> 404;
            case CONFLICT, CLOSED, FENCED -> 409;
            case NO_SPACE, TABLE_FULL -> 507;
            case INVALID -> 400;
            case CORRUPT -> 500;
        };
    }

    private void health(Context ctx) {
        ctx.json(new AdminViews.Health(
                "ok",
                node.nodeId().toString(),
                node.extents().drives().size(),
                node.extents().usage().extentCount()));
    }

    private void nodeInfo(Context ctx) {
        var usage = node.extents().usage();
        ctx.json(new AdminViews.NodeView(
                node.nodeId().toString(),
                node.labels(),
                node.nbdAddress().getHostString() + ":" + node.nbdAddress().getPort(),
                usage.dataBytes(),
                usage.usedBytes(),
                usage.freeBytes(),
                node.extents().drives().stream()
                        .map(d -> AdminViews.DriveView.of(d, String.valueOf(node.drivePath(d.id()))))
                        .toList()));
    }

    /** The body, read as strictly as the controller reads its own (a 400 saying what was wrong otherwise). */
    private static <T> T body(Context ctx, Class<T> type) {
        return RequestBodies.read(ctx.body(), type);
    }

    private static UUID uuid(String text, String what) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(what + " '" + text + "' is not a UUID");
        }
    }

    private void list(Context ctx) {
        ctx.json(node.extents().list().stream().map(AdminViews.ExtentView::of).toList());
    }

    private void create(Context ctx) throws IOException {
        AdminViews.CreateExtent req = body(ctx, AdminViews.CreateExtent.class);
        if (req.sizeBytes() == null) {
            throw new BadRequest("sizeBytes is required");
        }
        Optional<UUID> id = Optional.ofNullable(req.id()).map(s -> uuid(s, "id"));
        Optional<UUID> drive = Optional.ofNullable(req.driveId()).map(s -> uuid(s, "driveId"));
        ExtentAccess access = new ExtentAccess(
                req.generation() == null ? 0 : req.generation(), req.secret() == null ? "" : req.secret());
        ExtentRecord.Kind kind = switch (req.kind() == null ? "data" : req.kind()) {
            case "data" -> ExtentRecord.Kind.DATA;
            case "kv" -> ExtentRecord.Kind.KV;
            default ->
                throw new BadRequest(
                        "kind is \"data\" (blocks, the default) or \"kv\" (a KV volume), got \"" + req.kind() + "\"");
        };
        ExtentService.Created created = node.extents().create(id, req.sizeBytes(), drive, access, kind);
        ctx.status(created.created() ? 201 : 200).json(AdminViews.ExtentView.of(created.extent()));
    }

    private void show(Context ctx) throws DriveException {
        UUID id = uuid(ctx.pathParam("id"), "extent id");
        ctx.json(AdminViews.ExtentView.of(node.extents()
                .find(id)
                .orElseThrow(() ->
                        new DriveException(DriveException.Reason.NOT_FOUND, "no extent " + id + " on this node"))));
    }

    private void setAccess(Context ctx) throws IOException {
        UUID id = uuid(ctx.pathParam("id"), "extent id");
        AdminViews.SetAccess req = body(ctx, AdminViews.SetAccess.class);
        if (req.generation() == null) {
            throw new BadRequest("generation is required");
        }
        node.setAccess(id, new ExtentAccess(req.generation(), req.secret() == null ? "" : req.secret()));
        show(ctx);
    }

    private void delete(Context ctx) throws IOException {
        node.extents().delete(uuid(ctx.pathParam("id"), "extent id"));
        ctx.status(204);
    }

    @Override
    public void close() {
        app.stop();
    }
}
