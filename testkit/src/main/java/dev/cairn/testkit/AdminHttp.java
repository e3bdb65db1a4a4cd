package dev.cairn.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/** A small JSON-over-HTTP client for Cairn's APIs in tests. */
public final class AdminHttp {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String base;
    private final HttpClient http;
    private final Optional<String> token;

    public AdminHttp(String base) {
        this(base, Optional.empty());
    }

    public AdminHttp(String base, Optional<String> token) {
        this(base, token, Optional.empty());
    }

    /** A client of an {@code https://} base that checks the server with {@code tls}. */
    public AdminHttp(String base, Optional<String> token, Optional<SSLContext> tls) {
        this.base = base;
        this.token = token;
        HttpClient.Builder builder = HttpClient.newBuilder();
        tls.ifPresent(builder::sslContext);
        this.http = builder.build();
    }

    /** Status and JSON body (an empty object when there is none). */
    public record Response(int status, JsonNode body) {
        /** Fails unless the status is 2xx; returns the body. */
        public JsonNode ok() {
            if (status / 100 != 2) {
                throw new AssertionError("HTTP " + status + ": " + body);
            }
            return body;
        }
    }

    public Response get(String path) {
        return call("GET", path, null);
    }

    public Response post(String path, String json) {
        return call("POST", path, json);
    }

    public Response put(String path, String json) {
        return call("PUT", path, json);
    }

    public Response delete(String path) {
        return call("DELETE", path, null);
    }

    public Response call(String method, String path, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .method(
                        method,
                        json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
                .header("Content-Type", "application/json");
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body()));
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + base + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
