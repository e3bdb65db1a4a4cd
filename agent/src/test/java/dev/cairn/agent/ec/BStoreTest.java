package dev.cairn.agent.ec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.legs.io.MemoryLegs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * A request raced with its member's failure (chosen while usable, sent after another request
 * failed it) fails like any request to a lost member, saying why, rather than throwing.
 */
class BStoreTest {
    @Test
    void aFailedMembersRequestsFailWithTheReason() throws Exception {
        MemoryLegs memory = new MemoryLegs();
        UUID id = UUID.randomUUID();
        memory.extent(id, 1 << 20);
        BStore b = new BStore(3, MemoryLegs.target(3, id, 1 << 20));
        b.connected(memory.connect(b.target));
        assertThat(b.usable()).isTrue();
        b.fail("no answer within the leg timeout");
        assertThat(b.io().read(0, ByteBuffer.allocate(4096)))
                .failsWithin(Duration.ofSeconds(1))
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(IOException.class)
                .withMessageContaining("BStore 3")
                .withMessageContaining("failed: no answer within the leg timeout");
        assertThat(new BStore(4, MemoryLegs.target(4, id, 1 << 20)).io().flush())
                .isCompletedExceptionally();
    }
}
