package dev.cairn.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.testkit.FakeClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** A storage node in this JVM on file-backed drives in a temp dir, with an HTTP client for its API. */
abstract class NodeFixture {
    static final ObjectMapper JSON = new ObjectMapper();
    final FakeClock clock = new FakeClock();
    final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    StorageNode node;
    Optional<String> token = Optional.empty();

    StorageNode startNode(int drives) throws IOException {
        List<DriveSpec> specs = new java.util.ArrayList<>();
        for (int i = 0; i < drives; i++) {
            specs.add(new DriveSpec(dir.resolve("d" + i + ".img"), OptionalLong.of(256L << 20), false));
        }
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        node = StorageNode.start(
                new NodeConfig(Optional.empty(), specs, Map.of("zone", "a"), any, any, token, 4, Optional.empty()),
                clock);
        return node;
    }

    @AfterEach
    void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    /** Status and parsed JSON body (empty object when there is none). */
    record Response(int status, JsonNode body) {}

    Response call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + node.adminAddress().getPort() + path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body()));
    }

    InetSocketAddress nbd() {
        return new InetSocketAddress(
                InetAddress.getLoopbackAddress(), node.nbdAddress().getPort());
    }
}
