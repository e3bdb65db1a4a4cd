package dev.cairn.control.api;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;

/**
 * The HTTP under {@link ControlClient}: given several controller URLs (the peers of a replicated
 * controller) it uses one and moves on to the next when one cannot be reached or cannot reach its
 * replicated state (503); any peer answers. Errors come back as {@link ControlException} with the
 * server's one-line reason. Only {@link ControlClient} writes paths.
 */
final class ControlTransport {
    private static final ObjectMapper JSON = ControlJson.lenient();

    private final List<URI> controllers;
    private final Optional<String> token;
    private final Duration timeout;
    private final HttpClient http;
    private final AtomicInteger current = new AtomicInteger();

    ControlTransport(List<URI> controllers, Optional<String> token, Duration timeout, Optional<SSLContext> https) {
        if (controllers.isEmpty()) {
            throw new IllegalArgumentException("no controller URL given");
        }
        this.controllers = List.copyOf(controllers);
        this.token = token;
        this.timeout = timeout;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (https.isPresent()) {
            builder.sslContext(https.get());
        } else if (controllers.stream().noneMatch(u -> "https".equalsIgnoreCase(u.getScheme()))) {
            builder.sslContext(plainOnly());
        }
        this.http = builder.build();
    }

    /**
     * The TLS context of a client that never speaks TLS (every URL is http://). Without one, the
     * HTTP client loads the JDK's default context, which reads and parses every CA certificate the
     * JDK trusts: a fifth of a CLI call's time, for nothing. This one trusts no one.
     */
    private static SSLContext plainOnly() {
        try {
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(new KeyManager[0], new TrustManager[0], null);
            return tls;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK offers no TLS context: " + e.getMessage(), e);
        }
    }

    /** Stops the HTTP client (its selector thread); calls in flight finish first. */
    void close() {
        http.close();
    }

    /** One path segment from user input, percent-encoded (a name with '/' or '?' cannot reach another endpoint). */
    static String segment(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * {@code method} on {@code path} with {@code body} (none when null), its answer read as {@code
     * type}; {@code longer} is how much longer than usual the answer may take (a long poll).
     */
    @SuppressWarnings("TypeParameterUnusedInFormals") // T is fixed by the JavaType ControlClient passes
    <T> T call(String method, String path, Object body, JavaType type, Duration longer) throws ControlException {
        return parse(method, path, exchange(method, path, body, timeout.plus(longer)), type);
    }

    /** A call whose answer does not matter beyond its success. */
    void send(String method, String path, Object body) throws ControlException {
        exchange(method, path, body, timeout);
    }

    static JavaType type(Class<?> type) {
        return JSON.constructType(type);
    }

    static JavaType listOf(Class<?> element) {
        return JSON.getTypeFactory().constructCollectionType(List.class, element);
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
