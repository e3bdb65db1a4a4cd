package dev.cairn.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.testkit.PrometheusText;
import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class MetricsHttpServerTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void servesTheRegistryAndTheJvmMetersAtSlashMetrics() throws Exception {
        try (DaemonMetrics metrics = DaemonMetrics.create();
                MetricsHttpServer server =
                        MetricsHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics)) {
            Counter counter =
                    Counter.builder("cairn.test.things").baseUnit("bytes").register(metrics.registry());
            counter.increment(4096);

            PrometheusText page = PrometheusText.scrape(server.url());

            assertThat(page.value("cairn_test_things_bytes_total")).isEqualTo(4096);
            assertThat(page.type("cairn_test_things_bytes_total")).contains("counter");
            assertThat(page.sum("jvm_memory_used_bytes")).isPositive();
            assertThat(page.value("jvm_threads_live_threads")).isPositive();
            assertThat(page.value("process_uptime_seconds")).isPositive();
            assertThat(page.find("jvm_gc_memory_allocated_bytes_total")).hasSize(1);

            counter.increment(1);
            assertThat(PrometheusText.scrape(server.url()).value("cairn_test_things_bytes_total"))
                    .isEqualTo(4097);
        }
    }

    @Test
    void otherPathsAndMethodsAreRefused() throws Exception {
        try (DaemonMetrics metrics = DaemonMetrics.create();
                MetricsHttpServer server =
                        MetricsHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics)) {
            String base = "http://127.0.0.1:" + server.address().getPort();
            HttpResponse<String> other = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/v1/volumes")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(other.statusCode()).isEqualTo(404);
            HttpResponse<String> post = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/metrics"))
                            .POST(HttpRequest.BodyPublishers.ofString("x"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");
        }
    }

    @Test
    void aPortInUseIsRefusedWithTheAddress() throws Exception {
        try (DaemonMetrics metrics = DaemonMetrics.create();
                MetricsHttpServer first =
                        MetricsHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics)) {
            int port = first.address().getPort();
            InetSocketAddress taken = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            assertThatThrownBy(() -> MetricsHttpServer.start(taken, metrics))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("cannot serve metrics on " + taken.getHostString() + ":" + port + ": ");
        }
    }
}
