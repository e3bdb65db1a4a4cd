package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.nbd.client.NbdClient;
import dev.cairn.testkit.AgentProcess;
import dev.cairn.testkit.Tool;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Attachments move between hosts: after an agent dies mid-write the volume is attached elsewhere and
 * resynchronized from the legs' bitmaps; an agent that lost its attachment can no longer write.
 */
class AgentMoveIT extends ReplicationFixture {
    /**
     * How long the fio whose agent is killed may take to give up. It normally exits at once with an
     * error; fio 3.33's nbd engine sometimes keeps polling the reset connection instead, and is
     * then stopped when this runs out.
     */
    private static final Duration DYING_FIO_LIMIT = Duration.ofSeconds(30);

    @Test
    void agentKilledMidWriteIsReplacedOnAnotherHostWithNothingAcknowledgedLost() throws Exception {
        startCluster();
        AgentProcess first = startAgent("h1");
        AgentProcess second = startAgent("h2");
        String id = createAttached("vol", "64MiB", "h1");
        Tool.run(FIO_TIMEOUT, fioJob(first.uri(id), "0", "8M", "", false)).ok();

        List<String> dyingJob = fioJob(first.uri(id), "16M", "16M", "4m", false);
        CompletableFuture<Tool.Result> dying = CompletableFuture.supplyAsync(() -> Tool.run(DYING_FIO_LIMIT, dyingJob));
        await().atMost(WAIT).until(() -> legHasData("h1", id, 16 << 20, 16 << 20));
        first.process().kill();
        // It fails (its agent is gone) or is stopped; nothing it wrote after the kill was acknowledged.
        dying.handle((result, stuck) -> result).get(DYING_FIO_LIMIT.toSeconds() * 2, TimeUnit.SECONDS);

        long generation = volume("vol").get("attachment").get("generation").asLong();
        attach("vol", "h2", true);
        assertThat(volume("vol").get("attachment").get("generation").asLong()).isGreaterThan(generation);
        assertThat(second.process().log()).contains("serving at generation");
        Tool.run(FIO_TIMEOUT, fioJob(second.uri(id), "0", "8M", "", true)).ok();
        assertThat(legChecksums("h2", id))
                .hasSize(3)
                .containsOnly(legChecksums("h2", id).getFirst());
    }

    @Test
    void staleAgentCannotWriteOnceTheVolumeIsAttachedElsewhere() throws Exception {
        startCluster();
        AgentProcess first = startAgent("h1");
        AgentProcess second = startAgent("h2");
        String id = createAttached("vol", "16MiB", "h1");
        JsonNode oldDesired = controllers
                .get("c1")
                .client("node")
                .get("/v1/internal/agents/h1/desired")
                .ok();
        JsonNode leg = oldDesired.get("volumes").get(0).get("legs").get(0);
        long oldGeneration = oldDesired.get("volumes").get(0).get("generation").asLong();

        try (NbdClient stale = NbdClient.connect(first.nbd(), id)) {
            stale.write(0, ByteBuffer.wrap(new byte[4096]), true).get(30, TimeUnit.SECONDS);
            attach("vol", "h2", true);
            assertThatThrownBy(() -> stale.write(0, ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), true)
                            .get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class);
        }
        // Straight at a node, the old generation is refused too.
        String oldExport = leg.get("extentId").asText() + ";gen=" + oldGeneration + ";key="
                + leg.get("secret").asText();
        assertThatThrownBy(() -> NbdClient.connect(address(leg.get("nbdAddress").asText()), oldExport))
                .hasMessageContaining("generation");
        try (NbdClient current = NbdClient.connect(second.nbd(), id)) {
            ByteBuffer back = current.read(0, 4).get(30, TimeUnit.SECONDS);
            byte[] head = new byte[4];
            back.get(head);
            assertThat(head).containsExactly(0, 0, 0, 0);
        }
    }
}
