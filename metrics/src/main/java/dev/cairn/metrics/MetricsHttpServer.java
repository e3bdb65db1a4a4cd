package dev.cairn.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics} on its own port, for a daemon that has no other HTTP API (the client
 * agent). The JDK's HTTP server, one virtual thread per exchange: a scrape every few seconds does
 * not warrant a web framework. No authentication, like the other daemons' {@code /metrics}.
 */
public final class MetricsHttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsHttpServer.class);

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsHttpServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds {@code listen} (port 0 picks a free one) and serves {@code metrics} there. */
    public static MetricsHttpServer start(InetSocketAddress listen, DaemonMetrics metrics) throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(listen, 16);
        } catch (IOException e) {
            throw new IOException(
                    "cannot serve metrics on " + listen.getHostString() + ":" + listen.getPort() + ": "
                            + e.getMessage(),
                    e);
        }
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", exchange -> answer(exchange, metrics));
        server.start();
        return new MetricsHttpServer(server, executor);
    }

    private static void answer(HttpExchange exchange, DaemonMetrics metrics) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (!path.equals("/metrics")) {
                reply(exchange, 404, "text/plain; charset=utf-8", "no such endpoint: " + path + "; try /metrics\n");
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                reply(exchange, 405, "text/plain; charset=utf-8", method + " is not allowed on /metrics\n");
            } else {
                reply(exchange, 200, DaemonMetrics.CONTENT_TYPE, metrics.scrape());
            }
        } catch (IOException | RuntimeException e) {
            log.debug("metrics scrape from {} failed: {}", exchange.getRemoteAddress(), e.toString());
        }
    }

    private static void reply(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** The address it listens on (the actual port when 0 was asked). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** {@code http://HOST:PORT/metrics}. */
    public String url() {
        return "http://" + address().getHostString() + ":" + address().getPort() + "/metrics";
    }

    @Override
    public void close() {
        server.stop(0);
        executor.close();
    }
}
