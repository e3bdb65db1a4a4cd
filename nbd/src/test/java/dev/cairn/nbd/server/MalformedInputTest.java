package dev.cairn.nbd.server;

import static dev.cairn.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.nbd.client.NbdClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Garbage, truncation, silence and abuse: the server answers by the protocol or hangs up, nothing more. */
class MalformedInputTest extends ServerFixture {

    @Override
    ServerConfig config() {
        return super.config()
                .withHandshakeTimeout(Duration.ofMillis(500))
                .withPayloadTimeout(Duration.ofMillis(500))
                .withBufferBudget(64L << 20);
    }

    @AfterEach
    void serverIsStillHealthy() throws Exception {
        try (NbdClient c = NbdClient.connect(address(), "disk")) {
            c.write(0, ByteBuffer.wrap(new byte[] {1, 2, 3}), false).join();
            assertThat(c.read(0, 3).join()).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        }
        await().until(() -> server.stats().open() == 0 && server.bufferBytesInUse() == 0);
    }

    /**
     * Restarts the server with a handshake deadline longer than the raw client's read timeout: a
     * test that expects the server to hang up on what it was sent then fails if the server waits
     * and leaves it to the deadline (a hung negotiation reads as null).
     */
    private void patientServer() throws Exception {
        server.close();
        server = NbdServer.start(config().withHandshakeTimeout(Duration.ofSeconds(60)), exports);
    }

    @Test
    void randomBytesInsteadOfAHandshakeGetTheConnectionClosed() throws Exception {
        patientServer();
        byte[] junk = new byte[4096];
        new Random(1).nextBytes(junk);
        try (RawClient raw = new RawClient(address())) {
            assertThat(raw.read(18).getLong()).isEqualTo(NBD_MAGIC);
            raw.send(junk);
            assertThat(raw.readUntilClosed())
                    .as("closed at once, without a byte: the junk's first word is not a set of known flags")
                    .isEmpty();
        }
        await().until(() -> server.stats().open() == 0);
        assertThat(server.stats().stalledCut()).isZero();
    }

    @Test
    void aTruncatedHandshakeCostsNothing() throws Exception {
        for (int cut = 0; cut < 12; cut++) {
            try (RawClient raw = new RawClient(address())) {
                raw.greet();
                raw.send(RawClient.option(OPT_GO, RawClient.goData("disk")).limit(cut));
            }
        }
    }

    @Test
    void aSilentClientIsDisconnectedAfterTheHandshakeTimeout() throws Exception {
        try (RawClient raw = new RawClient(address())) {
            raw.read(18);
            assertThat(raw.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void unknownClientFlagsEndTheSession() throws Exception {
        patientServer();
        try (RawClient raw = new RawClient(address())) {
            raw.read(18);
            raw.send(ByteBuffer.allocate(4).putInt(0x80).flip());
            assertThat(raw.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void unknownOptionsAreRefusedAndTheHandshakeStaysInSync() throws Exception {
        try (RawClient raw = new RawClient(address())) {
            raw.greet();
            raw.send(RawClient.option(42, new byte[10]));
            RawClient.OptionReply r = raw.readOptionReply();
            assertThat(r.option()).isEqualTo(42);
            assertThat(r.type()).isEqualTo(REP_ERR_UNSUP);
            raw.send(RawClient.option(OPT_STARTTLS, new byte[0]));
            assertThat(raw.readOptionReply().type()).isEqualTo(REP_ERR_POLICY);
            raw.send(RawClient.option(OPT_LIST, new byte[3]));
            assertThat(raw.readOptionReply().type()).isEqualTo(REP_ERR_INVALID);
            raw.send(RawClient.option(OPT_SET_META_CONTEXT, new byte[0]));
            assertThat(raw.readOptionReply().type()).isEqualTo(REP_ERR_INVALID);
            raw.go("disk");
        }
    }

    @Test
    void malformedGoAndInfoAreInvalidNotFatal() throws Exception {
        try (RawClient raw = new RawClient(address())) {
            raw.greet();
            byte[] lying =
                    ByteBuffer.allocate(10).putInt(1000).putShort((short) 0).array();
            raw.send(RawClient.option(OPT_GO, lying));
            RawClient.OptionReply r = raw.readOptionReply();
            assertThat(r.type()).isEqualTo(REP_ERR_INVALID);
            assertThat(r.text()).contains("export name needs 1000 bytes");
            byte[] badUtf8 = ByteBuffer.allocate(8)
                    .putInt(2)
                    .put((byte) 0xC3)
                    .put((byte) 0x28)
                    .putShort((short) 0)
                    .array();
            raw.send(RawClient.option(OPT_INFO, badUtf8));
            assertThat(raw.readOptionReply().type()).isEqualTo(REP_ERR_INVALID);
            raw.send(RawClient.option(OPT_GO, RawClient.goData("missing")));
            assertThat(raw.readOptionReply().type()).isEqualTo(REP_ERR_UNKNOWN);
            raw.go("disk");
        }
    }

    @Test
    void aHugeOptionIsRefusedWithoutAllocatingIt() throws Exception {
        patientServer();
        try (RawClient raw = new RawClient(address())) {
            raw.greet();
            raw.send(ByteBuffer.allocate(16)
                    .putLong(IHAVEOPT)
                    .putInt(OPT_GO)
                    .putInt(-1)
                    .flip());
            assertThat(raw.readOptionReply().type()).isEqualTo(REP_ERR_TOO_BIG);
            assertThat(raw.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void aRequestWithoutTheMagicEndsTheSession() throws Exception {
        try (RawClient raw = new RawClient(address())) {
            raw.greet();
            raw.go("disk");
            ByteBuffer bad = RawClient.request(0, CMD_READ, 1, 0, 512);
            bad.putInt(0, 0xdeadbeef);
            raw.send(bad);
            assertThat(raw.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void aClientVanishingMidPayloadReleasesEverything() throws Exception {
        for (int i = 0; i < 4; i++) {
            try (RawClient raw = new RawClient(address())) {
                raw.greet();
                raw.go("disk");
                raw.send(RawClient.request(0, CMD_WRITE, 7, 0, 1 << 20));
                raw.send(new byte[1000]);
            }
        }
    }

    @Test
    void payloadMemoryStaysWithinTheBudgetWhateverClientsSend() throws Exception {
        // this class's 500 ms deadlines are for silent clients; on a loaded machine letting a client
        // in, or taking a 16 MiB payload while others copy 256 MiB, can take longer than that
        server.close();
        server = NbdServer.start(
                config().withHandshakeTimeout(Duration.ofSeconds(10)).withPayloadTimeout(Duration.ofSeconds(30)),
                exports);
        exports.add("big", 64 << 20);
        long budget = 64L << 20;
        AtomicLong peak = new AtomicLong();
        CountDownLatch hold = new CountDownLatch(1);
        exports.disks.get("big").hook = (op, offset, length) -> {
            peak.accumulateAndGet(server.sharedBufferBytesInUse(), Math::max);
            try {
                hold.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        // Each client sends from its own thread: a client's send blocks while the server, out of
        // budget, stops reading from it.
        List<NbdClient> clients = new ArrayList<>();
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < 4; c++) {
                NbdClient client = NbdClient.connect(address(), "big");
                clients.add(client);
                for (int w = 0; w < 4; w++) {
                    long offset = (long) w * (16 << 20);
                    writes.add(CompletableFuture.runAsync(
                            () -> client.write(offset, ByteBuffer.allocate(16 << 20), false)
                                    .join(),
                            senders));
                }
            }
            try {
                // spent but for less than a piece: the readers wait for the export, not for more memory
                await().until(() -> server.sharedBufferBytesInUse() > budget - Connection.READ_BUFFER_BYTES);
                assertThat(server.sharedBufferBytesInUse()).isLessThanOrEqualTo(budget);
            } finally {
                hold.countDown();
            }
            writes.forEach(CompletableFuture::join);
        }
        assertThat(peak.get()).isLessThanOrEqualTo(budget);
        for (NbdClient c : clients) {
            c.close();
        }
    }

    @Test
    void aClientThatStallsMidPayloadIsCutHavingReservedNothing() throws Exception {
        try (RawClient raw = new RawClient(address())) {
            raw.greet();
            raw.go("disk");
            raw.send(RawClient.request(0, CMD_WRITE, 1, 0, 1 << 20));
            raw.send(new byte[4096]);
            await().until(() -> server.stats().requests() == 1);
            assertThat(server.sharedBufferBytesInUse()).isZero();
            assertThat(raw.readUntilClosed())
                    .as("cut after the payload timeout, the write neither done nor answered")
                    .isEmpty();
        }
        assertThat(server.stats().stalledCut()).isEqualTo(1);
        assertThat(server.stats().bytesWritten()).isEqualTo(1 << 20);
        assertThat(exports.disks.get("disk").bytes)
                .as("nothing of the cut write reached the export")
                .containsOnly(0);
    }

    @Test
    void oversizedRequestsAreAnsweredNotTrusted() throws Exception {
        try (RawClient raw = new RawClient(address())) {
            raw.greet();
            raw.send(RawClient.option(OPT_STRUCTURED_REPLY, new byte[0]));
            assertThat(raw.readOptionReply().type()).isEqualTo(REP_ACK);
            raw.go("disk");
            raw.send(RawClient.request(0, CMD_READ, 1, 0, 0xFFFFFFFFL));
            raw.send(RawClient.request(0, CMD_TRIM, 2, Long.MAX_VALUE, 4096));
            raw.send(RawClient.request(0, 77, 3, 0, 0));
            for (long handle = 1; handle <= 3; handle++) {
                ByteBuffer chunk = raw.read(20);
                assertThat(chunk.getInt(0)).isEqualTo(STRUCTURED_REPLY_MAGIC);
                assertThat(chunk.getShort(6)).isEqualTo((short) REPLY_TYPE_ERROR);
                assertThat(chunk.getLong(8)).isEqualTo(handle);
                ByteBuffer payload = raw.read(chunk.getInt(16));
                assertThat(payload.getInt()).isEqualTo(EINVAL);
            }
        }
    }
}
