package dev.cairn.control.api;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * A client of the controller's REST API for the CLI and the storage nodes. Given several
 * controller URLs (the peers of a replicated controller) it uses one and moves on to the next when
 * one cannot be reached; any peer answers. Errors come back as {@link ControlException} with the
 * server's one-line reason.
 */
public final class ControlClient {
    private static final ObjectMapper JSON = ControlJson.lenient();

    private final List<URI> controllers;
    private final Optional<String> token;
    private final Duration timeout;
    private final HttpClient http;
    private final AtomicInteger current = new AtomicInteger();

    public ControlClient(List<URI> controllers, Optional<String> token, Duration timeout) {
        this(controllers, token, timeout, Optional.empty());
    }

    /**
     * A client of the controllers at {@code controllers}; {@code https} is what {@code https://}
     * URLs are checked with (the controller's CA, and its certificate must name the URL's host),
     * the JDK's trusted CAs when empty.
     */
    public ControlClient(List<URI> controllers, Optional<String> token, Duration timeout, Optional<SSLContext> https) {
        if (controllers.isEmpty()) {
            throw new IllegalArgumentException("no controller URL given");
        }
        this.controllers = List.copyOf(controllers);
        this.token = token;
        this.timeout = timeout;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        https.ifPresent(builder::sslContext);
        this.http = builder.build();
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

    public <T> T get(String path, Class<T> type) throws ControlException {
        return parse("GET", path, exchange("GET", path, null, timeout), JSON.constructType(type));
    }

    /** A GET that may take up to {@code wait} longer than usual (a long poll). */
    public <T> T poll(String path, Class<T> type, Duration wait) throws ControlException {
        return parse("GET", path, exchange("GET", path, null, timeout.plus(wait)), JSON.constructType(type));
    }

    public <T> T get(String path, TypeReference<T> type) throws ControlException {
        return parse("GET", path, exchange("GET", path, null, timeout), JSON.constructType(type));
    }

    public <T> T post(String path, Object body, Class<T> type) throws ControlException {
        return parse("POST", path, exchange("POST", path, body, timeout), JSON.constructType(type));
    }

    public <T> T put(String path, Object body, Class<T> type) throws ControlException {
        return parse("PUT", path, exchange("PUT", path, body, timeout), JSON.constructType(type));
    }

    public void delete(String path) throws ControlException {
        exchange("DELETE", path, null, timeout);
    }

    /** A DELETE whose answer is a document (removing a volume's leg answers with the volume). */
    public <T> T delete(String path, Class<T> type) throws ControlException {
        return parse("DELETE", path, exchange("DELETE", path, null, timeout), JSON.constructType(type));
    }

    /** A call whose answer does not matter beyond its success. */
    public void send(String method, String path, Object body) throws ControlException {
        exchange(method, path, body, timeout);
    }

    /** The raw JSON text of a GET (for {@code --output json}). */
    public String getRaw(String path) throws ControlException {
        return exchange("GET", path, null, timeout);
    }

    @SuppressWarnings("TypeParameterUnusedInFormals") // T is fixed by the JavaType the public callers build
    private static <T> T parse(String method, String path, String text, JavaType type) throws ControlException {
        try {
            return JSON.readValue(text, type);
        } catch (IOException e) {
            throw new ControlException(
                    "the controller answered " + method + " " + path + " with JSON this client" + " cannot read: "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * Sends to the controller that answered last, failing over to the next one when it cannot be
     * reached or cannot reach its replicated state (503).
     */
    private String exchange(String method, String path, Object body, Duration requestTimeout) throws ControlException {
        byte[] json;
        try {
            json = body == null ? new byte[0] : JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new ControlException("cannot encode the request: " + e.getMessage(), e);
        }
        Exception last = null;
        for (int attempt = 0; attempt < controllers.size(); attempt++) {
            int which = Math.floorMod(current.get() + attempt, controllers.size());
            URI base = controllers.get(which);
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(requestTimeout)
                    .header("Content-Type", "application/json")
                    .method(
                            method,
                            body == null
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofByteArray(json));
            token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
            try {
                HttpResponse<String> r =
                        http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (r.statusCode() == 503 && attempt + 1 < controllers.size()) {
                    last = new ControlException(503, reason(r));
                    continue;
                }
                current.set(which);
                if (r.statusCode() / 100 != 2) {
                    throw new ControlException(r.statusCode(), reason(r));
                }
                return r.body();
            } catch (ControlException e) {
                throw e;
            } catch (IOException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ControlException("interrupted while calling the controller", e);
            }
        }
        String why = last.getMessage() == null ? "" : ": " + last.getMessage();
        if (last instanceof SSLException) {
            why += "; is the controller's CA the one given (--controller-ca)?";
        }
        throw new ControlException(
                "no controller reachable at " + controllers + " ("
                        + last.getClass().getSimpleName() + why + ")",
                last);
    }

    private static String reason(HttpResponse<String> r) {
        try {
            Views.Problem p = JSON.readValue(r.body(), Views.Problem.class);
            if (p.error() != null) {
                return p.error();
            }
        } catch (IOException e) {
            // not our error shape; fall through
        }
        return "HTTP " + r.statusCode()
                + (r.body().isBlank() ? "" : ": " + r.body().strip());
    }
}
