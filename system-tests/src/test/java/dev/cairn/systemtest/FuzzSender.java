package dev.cairn.systemtest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * Sends the fuzzer's requests to one controller: over keep-alive HTTP/1.1 connections shared by
 * many virtual threads, or, for a path that is not a valid URI, written as is on a socket of its
 * own. Every request is bounded: an answer later than its bound is a hang.
 */
final class FuzzSender implements AutoCloseable {
    /** How a request ended: an HTTP status, or {@link #IO_ERROR} / {@link #HUNG} (then {@code why}). */
    record Result(int status, long millis, String why) {}

    static final int IO_ERROR = -1;
    static final int HUNG = -2;

    /** A long poll waits up to 30 s; anything else answers at once. */
    static final Duration LONG_POLL_BOUND = Duration.ofSeconds(40);

    static final Duration BOUND = Duration.ofSeconds(15);

    private final int port;
    private final Map<String, String> tokens;
    private final HttpClient http;

    /** {@code tokens}: the admin, read and node tokens by role. */
    FuzzSender(int port, Map<String, String> tokens) {
        this.port = port;
        this.tokens = Map.copyOf(tokens);
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    /** The Authorization header for a role, or null for none. */
    private String authorization(String role) {
        return switch (role) {
            case "none" -> null;
            case "wrong" -> "Bearer not-the-token-of-anyone";
            case "basic" ->
                "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes(StandardCharsets.UTF_8));
            default -> "Bearer " + tokens.get(role);
        };
    }

    Result send(FuzzRequests.Request q) {
        Duration bound = q.path().contains("/desired") ? LONG_POLL_BOUND : BOUND;
        long start = System.nanoTime();
        String[] why = {""};
        int status = q.raw() ? raw(q, bound, why) : overHttp(q, bound, why);
        return new Result(status, (System.nanoTime() - start) / 1_000_000, why[0]);
    }

    private int overHttp(FuzzRequests.Request q, Duration bound, String[] why) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + q.path()))
                .timeout(bound)
                .header("Content-Type", "application/json")
                .method(
                        q.method(),
                        q.body() == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(q.body()));
        String auth = authorization(q.role());
        if (auth != null) {
            b.header("Authorization", auth);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (HttpTimeoutException e) {
            why[0] = e.toString();
            return HUNG;
        } catch (IOException e) {
            why[0] = e.toString();
            return IO_ERROR;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return IO_ERROR;
        }
    }

    /** Writes the request as generated, on a connection of its own, and reads the status line. */
    private int raw(FuzzRequests.Request q, Duration bound, String[] why) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout((int) bound.toMillis());
            StringBuilder head = new StringBuilder(q.method() + " " + q.path() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            String auth = authorization(q.role());
            if (auth != null) {
                head.append("Authorization: ").append(auth).append("\r\n");
            }
            byte[] body = q.body() == null ? new byte[0] : q.body();
            head.append("Content-Length: ").append(body.length).append("\r\nConnection: close\r\n\r\n");
            OutputStream out = s.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.UTF_8));
            out.write(body);
            out.flush();
            InputStream in = s.getInputStream();
            byte[] status = in.readNBytes(12);
            in.readAllBytes(); // to the end: the server closes once answered
            if (status.length < 12) {
                return IO_ERROR;
            }
            return Integer.parseInt(new String(status, 9, 3, StandardCharsets.US_ASCII));
        } catch (SocketTimeoutException e) {
            why[0] = e.toString();
            return HUNG;
        } catch (IOException | NumberFormatException e) {
            why[0] = e.toString();
            return IO_ERROR;
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
