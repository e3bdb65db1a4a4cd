package dev.cairn.nbd.server;

import static dev.cairn.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.nbd.OptionBytes;
import dev.cairn.nbd.client.HandshakeException;
import dev.cairn.nbd.client.NbdClient;
import dev.cairn.nbd.tls.ClientTls;
import dev.cairn.nbd.tls.ServerTls;
import dev.cairn.nbd.tls.TlsChannel;
import dev.cairn.testkit.Patterns;
import dev.cairn.testkit.TlsMaterial;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that requires TLS (FORCEDTLS): what it allows before and after STARTTLS, what it does
 * with clients that do not upgrade, send garbage or stall in the TLS handshake, and that it keeps
 * serving through all of them.
 */
class TlsNegotiationTest extends ServerFixture {
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(3);

    @TempDir
    static Path dir;

    static TlsMaterial certs;
    static Path pskFile;

    @BeforeAll
    static void material() throws IOException {
        certs = TlsMaterial.create(dir.resolve("certs"));
        pskFile = dir.resolve("keys.psk");
        TlsMaterial.writePskFile(pskFile, List.of("alice"));
    }

    @Override
    ServerConfig config() {
        try {
            return super.config().withHandshakeTimeout(HANDSHAKE_TIMEOUT).withTls(ServerTls.psk(pskFile));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static NbdClient.Options psk() throws IOException {
        return NbdClient.Options.DEFAULT.withTls(Optional.of(ClientTls.psk(pskFile, Optional.empty())));
    }

    @AfterEach
    void serverIsStillHealthy() throws Exception {
        try (NbdClient c = NbdClient.connect(address(), "disk", psk())) {
            c.write(0, ByteBuffer.wrap(new byte[] {1, 2, 3}), false).join();
            assertThat(c.read(0, 3).join()).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        }
        await().until(() -> server.stats().open() == 0 && server.bufferBytesInUse() == 0);
    }

    @Test
    void everyOptionButStartTlsAndAbortNeedsTlsFirst() throws Exception {
        try (RawClient raw = new RawClient(address())) {
            raw.greet();
            for (int option : List.of(OPT_LIST, OPT_STRUCTURED_REPLY, OPT_INFO, OPT_GO, OPT_SET_META_CONTEXT, 42)) {
                raw.send(RawClient.option(option, option == OPT_GO ? RawClient.goData("disk") : new byte[0]));
                RawClient.OptionReply r = raw.readOptionReply();
                assertThat(r.option()).isEqualTo(option);
                assertThat(r.type()).as("option %d", option).isEqualTo(REP_ERR_TLS_REQD);
                assertThat(r.text()).contains("requires TLS");
            }
            raw.send(RawClient.option(OPT_STARTTLS, new byte[] {1, 2, 3}));
            assertThat(raw.readOptionReply().type()).isEqualTo(REP_ERR_INVALID);
            raw.send(RawClient.option(OPT_ABORT, new byte[0]));
            assertThat(raw.readOptionReply().type()).isEqualTo(REP_ACK);
        }
    }

    @Test
    void exportNameWithoutTlsEndsTheSession() throws Exception {
        try (RawClient raw = new RawClient(address())) {
            raw.greet();
            raw.send(RawClient.option(OPT_EXPORT_NAME, "disk".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            assertThat(raw.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void bytesSentAheadOfTheStartTlsReplyEndTheSession() throws Exception {
        try (RawClient raw = new RawClient(address())) {
            raw.greet();
            ByteBuffer startTls = RawClient.option(OPT_STARTTLS, new byte[0]);
            raw.send(ByteBuffer.allocate(startTls.remaining() + 5)
                    .put(startTls)
                    .put(new byte[] {22, 3, 1, 0, 1})
                    .flip());
            assertThat(raw.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void afterTlsTheNegotiationGoesOnAndASecondStartTlsIsInvalid() throws Exception {
        try (SocketChannel socket = SocketChannel.open(address())) {
            TlsChannel tls = startTls(socket);
            OptionBytes.send(tls, OPT_STARTTLS, new byte[0]);
            assertThat(OptionBytes.replyType(tls)).isEqualTo(REP_ERR_INVALID);
            OptionBytes.send(tls, OPT_LIST, new byte[0]);
            assertThat(OptionBytes.replyType(tls)).isEqualTo(REP_SERVER);
            assertThat(OptionBytes.replyType(tls)).isEqualTo(REP_ACK);
            OptionBytes.send(tls, OPT_ABORT, new byte[0]);
            assertThat(OptionBytes.replyType(tls)).isEqualTo(REP_ACK);
            tls.close();
        }
    }

    @Test
    void aClientWithoutTlsIsToldSoAndNothingElse() {
        assertThatThrownBy(() -> NbdClient.connect(address(), "disk"))
                .isInstanceOf(HandshakeException.class)
                .hasMessageContaining("the server requires TLS")
                .satisfies(e -> assertThat(((HandshakeException) e).replyType()).isEqualTo(REP_ERR_TLS_REQD));
    }

    @Test
    void garbageInTheTlsHandshakeEndsOnlyThatConnection() throws Exception {
        byte[] junk = new byte[4096];
        new Random(2).nextBytes(junk);
        junk[0] = 22; // a handshake record's type, then nonsense
        try (RawClient raw = new RawClient(address())) {
            raw.greet();
            raw.send(RawClient.option(OPT_STARTTLS, new byte[0]));
            assertThat(raw.readOptionReply().type()).isEqualTo(REP_ACK);
            raw.send(junk);
            assertThat(raw.readUntilClosed()).isNotNull(); // an alert, perhaps, then the end
        }
    }

    @Test
    void aClientThatStopsInTheTlsHandshakeIsDroppedAtTheHandshakeDeadline() throws Exception {
        try (RawClient raw = new RawClient(address())) {
            raw.greet();
            raw.send(RawClient.option(OPT_STARTTLS, new byte[0]));
            assertThat(raw.readOptionReply().type()).isEqualTo(REP_ACK);
            raw.send(new byte[] {22, 3, 1, 2, 0, 1}); // the start of a ClientHello, and no more
            long start = System.nanoTime();
            assertThat(raw.readUntilClosed()).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(HANDSHAKE_TIMEOUT.dividedBy(2));
        }
    }

    @Test
    void clientsMoveLargeAndConcurrentRequestsOverPreSharedKeysAndCertificates() throws Exception {
        try (NbdClient c = NbdClient.connect(address(), "disk", psk())) {
            exerciseAndCheck(c);
        }
        MemoryExports x509Exports = new MemoryExports();
        x509Exports.add("big", 64 << 20);
        ServerConfig x509 = ServerConfig.defaults(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .withTls(ServerTls.x509(certs.serverCert(), certs.serverKey(), Optional.empty()));
        try (NbdServer other = NbdServer.start(x509, x509Exports);
                NbdClient c = NbdClient.connect(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), other.port()),
                        "big",
                        NbdClient.Options.DEFAULT.withTls(
                                Optional.of(ClientTls.x509(certs.caCert(), Optional.empty(), Optional.empty()))))) {
            ByteBuffer max = Patterns.random(32 << 20, 9);
            c.write(0, max.duplicate(), false).join();
            assertThat(c.read(0, 32 << 20).join()).isEqualTo(max);
            exerciseAndCheck(c);
        } finally {
            x509Exports.close();
        }
    }

    /** Many requests in flight at once, writes then reads, within the first MiB. */
    private static void exerciseAndCheck(NbdClient c) {
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            writes.add(c.write(i * 16384L, Patterns.random(16384, i), i % 3 == 0));
        }
        writes.forEach(CompletableFuture::join);
        c.flush().join();
        List<CompletableFuture<ByteBuffer>> reads = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            reads.add(c.read(i * 16384L, 16384));
        }
        for (int i = 0; i < 64; i++) {
            assertThat(reads.get(i).join()).isEqualTo(Patterns.random(16384, i));
        }
    }

    /** Greets, sends STARTTLS, expects its ACK and upgrades. */
    private static TlsChannel startTls(SocketChannel socket) throws IOException {
        OptionBytes.greetAndStartTls(socket);
        return TlsChannel.connect(socket, ClientTls.psk(pskFile, Optional.empty()), "127.0.0.1", 0);
    }
}
