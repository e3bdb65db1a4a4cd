package dev.cairn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.control.api.ControlClient;
import dev.cairn.control.rest.ControllerApi;
import dev.cairn.control.testing.ControllerHarness;
import dev.cairn.dkv.ControlledDkv;
import dev.cairn.testkit.AdminHttp;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node linked to a controller (in this JVM, over loopback HTTP) makes the KV volume a DKV
 * reservation places on it, serves it to a DKV client over NBD, and stops serving it once it has
 * not heard from the controller for the lease the controller gives (1 s here).
 */
class KvLeaseTest extends NodeFixture {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final long KEY = 1L << 16;
    private ControllerHarness controller;
    private ControlClient control;

    @AfterEach
    void stopController() {
        if (node != null) {
            node.close();
            node = null;
        }
        if (control != null) {
            control.close();
        }
        if (controller != null) {
            controller.close();
        }
    }

    @Test
    void aNodeCutOffFromTheControllerStopsServingKvIoWithinTheLease() throws Exception {
        controller = ControllerHarness.start(
                new ControllerApi.Settings(0, 0, Optional.empty(), 1, 2, Duration.ofSeconds(1)));
        AdminHttp operator = controller.client(Optional.of(ControllerHarness.ADMIN_TOKEN));
        startNode(
                1,
                Optional.of(new ControllerLink.Settings(
                        ControlClient.urls(controller.url()),
                        Optional.of(ControllerHarness.NODE_TOKEN),
                        Duration.ofMillis(200),
                        Duration.ofSeconds(2),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty())));
        await().atMost(WAIT).until(() -> operator.get("/v1/nodes").ok().size() == 1);

        JsonNode r = operator.post("/v1/dkv/reserve", "{\"keys\": 10, \"waitMillis\": 20000}")
                .ok();
        assertThat(r.get("firstKey").asLong()).isEqualTo(KEY);
        assertThat(r.get("usable").asBoolean()).as(r.toString()).isTrue();

        control = new ControlClient(
                ControlClient.urls(controller.url()), Optional.of(ControllerHarness.ADMIN_TOKEN), WAIT);
        try (ControlledDkv dkv = new ControlledDkv(() -> control.dkv().layout(), 1, Duration.ofSeconds(5))) {
            dkv.client()
                    .put(KEY, ByteBuffer.wrap("first".getBytes(StandardCharsets.UTF_8)))
                    .get(10, TimeUnit.SECONDS);
            assertThat(dkv.client().get(KEY).get(10, TimeUnit.SECONDS))
                    .hasValueSatisfying(v ->
                            assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("first"));

            controller.close();
            controller = null;
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThatThrownBy(
                                    () -> dkv.client().get(KEY).get(10, TimeUnit.SECONDS))
                            .isInstanceOf(ExecutionException.class)
                            .hasMessageContaining("KV lease of 1000 ms"));
        }
    }
}
