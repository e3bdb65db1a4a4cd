package dev.cairn.nbd.server;

import static dev.cairn.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.nbd.client.NbdClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Clients that stall in every phase (handshake, request header, write payload, replies never
 * read) while a well-behaved client works: its requests complete within a short bound, the
 * server's memory stays within what the stalled connections may each pin on their own, and the
 * stalled connections are cut by the deadline.
 */
class StalledClientsTest extends ServerFixture {
    private static final int STALLED = 40;
    private static final int BIG = 64 << 20;
    /** What one healthy request may take while others stall: far below any deadline. */
    private static final Duration SHORT = Duration.ofSeconds(2);

    private static final Duration STALL_TIMEOUT = Duration.ofSeconds(4);

    private final List<RawClient> stalled = new ArrayList<>();

    @Override
    ServerConfig config() {
        // a shared budget two maximum writes deep: a couple of stalled 32 MiB headers would have
        // spent it when payloads were reserved at their header
        return super.config()
                .withHandshakeTimeout(STALL_TIMEOUT)
                .withPayloadTimeout(STALL_TIMEOUT)
                .withBufferBudget(64L << 20);
    }

    @BeforeEach
    void addBigExport() {
        exports.add("big", BIG);
    }

    @AfterEach
    void closeStalled() throws IOException {
        for (RawClient c : stalled) {
            c.close();
        }
    }

    @Test
    void clientsStalledInTheHandshakeCostLittleAndAreCut() throws Exception {
        for (int i = 0; i < STALLED; i++) {
            RawClient c = stall();
            c.read(18); // greeted, says nothing
        }
        for (int i = 0; i < STALLED; i++) {
            RawClient c = stall();
            c.greet();
            c.send(ByteBuffer.allocate(16)
                    .putLong(IHAVEOPT)
                    .putInt(OPT_GO)
                    .putInt(60_000)
                    .flip()); // an option of 60,000 bytes announced, none sent
        }
        await().until(() -> server.stats().open() == 2 * STALLED);
        assertThat(server.bufferBytesInUse())
                .as("4 KiB of input buffer each")
                .isLessThanOrEqualTo(2L * STALLED * (Connection.HANDSHAKE_BUFFER_BYTES + BufferPool.HEADROOM));
        healthyClientIsServedPromptly();
        await().atMost(STALL_TIMEOUT.multipliedBy(4)).until(() -> server.stats().open() == 0);
        await().until(() -> server.bufferBytesInUse() == 0);
    }

    @Test
    void atTheConnectionLimitANewClientTakesTheOldestHandshakesPlace() throws Exception {
        server.close();
        server = NbdServer.start(config().withMaxConnections(STALLED), exports);
        List<RawClient> silent = new ArrayList<>();
        for (int i = 0; i < STALLED; i++) {
            RawClient c = stall();
            c.read(18);
            silent.add(c);
        }
        await().until(() -> server.stats().open() == STALLED);
        healthyClientIsServedPromptly();
        assertThat(server.stats().refused()).isZero();
        assertThat(server.stats().evicted()).isEqualTo(1);
        assertThat(silent.getFirst().readUntilClosed()).as("the oldest was cut").isEmpty();
    }

    @Test
    void clientsStalledInARequestHeaderCostOnlyTheirInputBuffer() throws Exception {
        for (int i = 0; i < STALLED; i++) {
            RawClient c = transmitting("big");
            c.send(Arrays.copyOf(RawClient.request(0, CMD_WRITE, 1, 0, 32 << 20).array(), 10));
        }
        healthyClientIsServedPromptly();
        assertThat(server.sharedBufferBytesInUse()).isZero();
        assertThat(server.bufferBytesInUse()).isLessThanOrEqualTo((STALLED + 1) * perConnectionAtRest());
        allStalledAreCut();
    }

    @Test
    void clientsStalledInAWritePayloadReserveNothingShared() throws Exception {
        for (int i = 0; i < STALLED; i++) {
            RawClient c = transmitting("big");
            c.send(RawClient.request(0, CMD_WRITE, 1, (long) (i % 2) * (32 << 20), 32 << 20));
            // one byte, or a piece and a half: what arrived is applied, nothing is reserved for the rest
            c.send(new byte[i % 2 == 0 ? 1 : Connection.READ_BUFFER_BYTES * 3 / 2]);
        }
        healthyClientIsServedPromptly();
        await().until(() -> server.sharedBufferBytesInUse() == 0);
        assertThat(server.bufferBytesInUse()).isLessThanOrEqualTo((STALLED + 1) * perConnectionAtRest());
        allStalledAreCut();
    }

    @Test
    void clientsTricklingAPayloadHoldNoMoreThanAPieceEachAndAreCut() throws Exception {
        List<RawClient> tricklers = new ArrayList<>();
        for (int i = 0; i < STALLED; i++) {
            RawClient c = transmitting("big");
            c.send(RawClient.request(0, CMD_WRITE, 1, (long) (i % 2) * (32 << 20), 32 << 20));
            tricklers.add(c);
        }
        // 8 KiB from each every 20 ms: steady, far too slow to finish before the deadline
        try (ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor()) {
            ScheduledFuture<?> trickle = pace.scheduleAtFixedRate(
                    () -> {
                        for (RawClient c : tricklers) {
                            try {
                                c.send(new byte[8192]);
                            } catch (IOException e) {
                                // cut by the server: what the test waits for
                            }
                        }
                    },
                    0,
                    20,
                    TimeUnit.MILLISECONDS);
            healthyClientIsServedPromptly();
            assertThat(server.sharedBufferBytesInUse())
                    .as("at most a piece each being written")
                    .isLessThanOrEqualTo((long) STALLED * Connection.READ_BUFFER_BYTES);
            allStalledAreCut();
            trickle.cancel(false);
        }
    }

    @Test
    void aWriteCutMidPayloadEndsItsConnectionOnlyOnceItsPiecesAreDone() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        exports.disks.get("big").hook = (op, offset, length) -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (RawClient c = transmitting("big")) {
            c.send(RawClient.request(0, CMD_WRITE, 1, 0, 1 << 20));
            c.send(new byte[Connection.READ_BUFFER_BYTES + 4096]); // a piece goes to a worker
            started.await();
        } // and the client is gone
        // a piece still being written must not land after the connection is over (the client may
        // be back by then, writing newer data there): the connection waits for it
        await().during(Duration.ofMillis(300)).until(() -> server.stats().open() == 1);
        release.countDown();
        await().until(() -> server.stats().open() == 0);
    }

    @Test
    void clientsThatNeverReadTheirRepliesPinOnlyTheirOwnCredit() throws Exception {
        for (int i = 0; i < STALLED; i++) {
            RawClient c = transmitting("big", i % 2 == 0);
            // 8 READs of 32 MiB each, and never a byte read back
            ByteBuffer requests = ByteBuffer.allocate(8 * 28);
            for (int r = 0; r < 8; r++) {
                requests.put(RawClient.request(0, CMD_READ, r, (long) (r % 2) * (32 << 20), 32 << 20));
            }
            c.send(requests.flip());
        }
        healthyClientIsServedPromptly();
        long bound = (STALLED + 1) * (perConnectionAtRest() + ReplyCredit.BYTES + 2L * BufferPool.HEADROOM);
        await().during(Duration.ofMillis(300)).until(() -> server.bufferBytesInUse() <= bound);
        assertThat(server.sharedBufferBytesInUse()).isZero();
        allStalledAreCut();
    }

    @Test
    void aLargeReadComesBackWholeInPiecesWithEitherReplyKind() throws Exception {
        byte[] data = new byte[5 * LargeRead.PIECE_BYTES + 12345];
        new java.util.Random(7).nextBytes(data);
        for (NbdClient.Options options : List.of(NbdClient.Options.DEFAULT, NbdClient.Options.SIMPLE)) {
            try (NbdClient c = NbdClient.connect(address(), "big", options)) {
                c.write(4096, ByteBuffer.wrap(data), false).get(10, TimeUnit.SECONDS);
                // small requests in flight around the large read, whose pieces they must not split
                List<java.util.concurrent.CompletableFuture<ByteBuffer>> small = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    small.add(c.read(4096L * i, 4096));
                }
                ByteBuffer back = c.read(4096, data.length).get(10, TimeUnit.SECONDS);
                assertThat(back).isEqualTo(ByteBuffer.wrap(data));
                for (int i = 1; i < 16; i++) {
                    assertThat(small.get(i).get(10, TimeUnit.SECONDS))
                            .isEqualTo(ByteBuffer.wrap(data, 4096 * (i - 1), 4096));
                }
            }
        }
        await().until(() -> server.bufferBytesInUse() == 0);
    }

    /** What a transmitting connection holds with nothing in flight: input buffer and reply scratch. */
    private static long perConnectionAtRest() {
        return Connection.READ_BUFFER_BYTES + ReplyWriter.SCRATCH_BYTES + 2L * BufferPool.HEADROOM;
    }

    private RawClient stall() throws IOException {
        RawClient c = new RawClient(address());
        c.socket.setReceiveBufferSize(64 * 1024);
        stalled.add(c);
        return c;
    }

    private RawClient transmitting(String export) throws IOException {
        return transmitting(export, true);
    }

    private RawClient transmitting(String export, boolean structured) throws IOException {
        RawClient c = stall();
        c.greet();
        if (structured) {
            c.send(RawClient.option(OPT_STRUCTURED_REPLY, new byte[0]));
            assertThat(c.readOptionReply().type()).isEqualTo(REP_ACK);
        }
        c.go(export);
        return c;
    }

    /** Writes and reads back 4 KiB blocks, on a fresh connection, each request within {@link #SHORT}. */
    private void healthyClientIsServedPromptly() throws Exception {
        try (NbdClient c = NbdClient.connect(address(), "big")) {
            long slowestNanos = 0;
            for (int i = 0; i < 50; i++) {
                byte[] block = new byte[4096];
                Arrays.fill(block, (byte) i);
                long start = System.nanoTime();
                c.write(BIG - 4096L * (i + 1), ByteBuffer.wrap(block), false)
                        .get(SHORT.toMillis(), TimeUnit.MILLISECONDS);
                ByteBuffer back = c.read(BIG - 4096L * (i + 1), 4096).get(SHORT.toMillis(), TimeUnit.MILLISECONDS);
                slowestNanos = Math.max(slowestNanos, System.nanoTime() - start);
                assertThat(back).isEqualTo(ByteBuffer.wrap(block));
            }
            // a large write too: it needs shared memory, which stalled clients must not hold
            c.write(0, ByteBuffer.allocate(8 << 20), false).get(SHORT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(Duration.ofNanos(slowestNanos)).isLessThan(SHORT);
        }
    }

    private void allStalledAreCut() {
        await().atMost(STALL_TIMEOUT.multipliedBy(4)).until(() -> server.stats().open() == 0);
        await().until(() -> server.bufferBytesInUse() == 0);
        assertThat(server.stats().stalledCut()).isEqualTo(STALLED);
    }
}
