package dev.cairn.nbd.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.testkit.Patterns;
import dev.cairn.testkit.TlsMaterial;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.bouncycastle.tls.ProtocolVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Both TLS channels, one against the other over loopback: data, concurrency, ends and failures. */
@Timeout(120)
class TlsChannelTest {
    @TempDir
    static Path dir;

    static TlsMaterial certs;
    static Path pskFile;
    static Map<String, String> pskKeys;

    ServerSocketChannel listener;
    /** Every side of every test on its own thread: they block on each other, as peers do. */
    final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeAll
    static void material() throws IOException {
        certs = TlsMaterial.create(dir.resolve("certs"));
        pskFile = dir.resolve("keys.psk");
        pskKeys = TlsMaterial.writePskFile(pskFile, List.of("alice", "bob"));
    }

    @BeforeEach
    void listen() throws IOException {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void close() throws IOException {
        listener.close();
        threads.shutdownNow();
    }

    static ServerTls server(String kind) throws IOException {
        return kind.equals("x509")
                ? ServerTls.x509(certs.serverCert(), certs.serverKey(), Optional.empty())
                : ServerTls.psk(pskFile);
    }

    static ClientTls client(String kind) throws IOException {
        return kind.equals("x509")
                ? ClientTls.x509(certs.caCert(), Optional.empty(), Optional.empty())
                : ClientTls.psk(pskFile, Optional.of("alice"));
    }

    /** The server side, accepted and upgraded on another thread. */
    CompletableFuture<TlsChannel> accept(ServerTls tls) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return TlsChannel.accept(listener.accept(), tls);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                },
                threads);
    }

    SocketChannel dial() throws IOException {
        return SocketChannel.open(listener.getLocalAddress());
    }

    /** A pair of upgraded channels: [server, client]. */
    TlsChannel[] pair(String kind) throws Exception {
        CompletableFuture<TlsChannel> server = accept(server(kind));
        TlsChannel client = TlsChannel.connect(dial(), client(kind), "127.0.0.1", 0);
        TlsChannel accepted = server.get(10, TimeUnit.SECONDS);
        // A byte each way, so that what follows the handshake (TLS 1.3 session tickets) is read:
        // a socket closed with bytes unread is reset, not ended.
        send(accepted, ByteBuffer.wrap(new byte[] {7}));
        assertThat(receive(client, 1).get()).isEqualTo((byte) 7);
        send(client, ByteBuffer.wrap(new byte[] {8}));
        assertThat(receive(accepted, 1).get()).isEqualTo((byte) 8);
        return new TlsChannel[] {accepted, client};
    }

    /** Sends {@code data} in gathered writes of mixed buffers (heap, direct, read-only). */
    static void send(TlsChannel channel, ByteBuffer data) throws IOException {
        ByteBuffer all = data.duplicate();
        int[] pieces = {28, 4096, 1 << 20, 7, 300_000, 16_384, 16_385};
        int i = 0;
        while (all.hasRemaining()) {
            ByteBuffer[] iov = new ByteBuffer[3];
            for (int k = 0; k < iov.length; k++) {
                int n = Math.min(pieces[i++ % pieces.length], all.remaining());
                ByteBuffer piece = all.slice(all.position(), n);
                all.position(all.position() + n);
                iov[k] = switch (k) {
                    case 0 -> ByteBuffer.allocate(n).put(piece).flip();
                    case 1 -> ByteBuffer.allocateDirect(n).put(piece).flip();
                    default -> piece.asReadOnlyBuffer();
                };
            }
            while (iov[0].hasRemaining() || iov[1].hasRemaining() || iov[2].hasRemaining()) {
                channel.write(iov);
            }
        }
    }

    /** Reads {@code n} bytes through destinations of changing sizes: 1 byte to 1 MiB. */
    static ByteBuffer receive(TlsChannel channel, int n) throws IOException {
        ByteBuffer into = ByteBuffer.allocate(n);
        int[] sizes = {1, 13, 16_384, 1 << 20, 100, 17_000, 65_536};
        int i = 0;
        while (into.hasRemaining()) {
            int size = Math.min(sizes[i++ % sizes.length], into.remaining());
            ByteBuffer window = into.slice(into.position(), size);
            int got = channel.read(window);
            assertThat(got).as("end of stream after %d bytes", into.position()).isPositive();
            into.position(into.position() + got);
        }
        return into.flip();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x509", "psk"})
    void bothWaysAtOnceLargeAndSmallEveryByteArrivesInOrder(String kind) throws Exception {
        TlsChannel[] c = pair(kind);
        int size = 24 << 20;
        ByteBuffer up = Patterns.random(size, 1);
        ByteBuffer down = Patterns.random(size, 2);
        CompletableFuture<Void> serverSends = CompletableFuture.runAsync(() -> io(() -> send(c[0], down)), threads);
        CompletableFuture<Void> clientSends = CompletableFuture.runAsync(() -> io(() -> send(c[1], up)), threads);
        CompletableFuture<ByteBuffer> clientGets =
                CompletableFuture.supplyAsync(() -> io(() -> receive(c[1], size)), threads);
        assertThat(receive(c[0], size)).isEqualTo(up);
        assertThat(clientGets.get(60, TimeUnit.SECONDS)).isEqualTo(down);
        serverSends.get(10, TimeUnit.SECONDS);
        clientSends.get(10, TimeUnit.SECONDS);
        assertThat(c[0].describe()).startsWith(kind.equals("x509") ? "TLSv1.3 TLS_AES_128_GCM" : "TLS 1.3 PSK");
        c[1].close();
        c[0].close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x509", "psk"})
    void closeNotifyAndASocketCutBothReadAsTheEnd(String kind) throws Exception {
        TlsChannel[] c = pair(kind);
        send(c[1], ByteBuffer.wrap(new byte[] {1, 2, 3}));
        c[1].close(); // close_notify, then the socket
        assertThat(receive(c[0], 3)).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertThat(c[0].read(ByteBuffer.allocate(10))).isEqualTo(-1);
        c[0].close();

        TlsChannel[] d = pair(kind);
        CompletableFuture<Integer> read =
                CompletableFuture.supplyAsync(() -> io(() -> d[0].read(ByteBuffer.allocate(10))), threads);
        listenerSideSocket(d[1]).close(); // no close_notify
        assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(-1);
        d[0].close();
    }

    private static SocketChannel listenerSideSocket(TlsChannel channel) {
        return ((RecordChannel) channel).socket;
    }

    @ParameterizedTest
    @ValueSource(strings = {"x509", "psk"})
    void garbageInsteadOfAHandshakeFailsAtOnce(String kind) throws Exception {
        CompletableFuture<TlsChannel> server = accept(server(kind));
        try (SocketChannel raw = dial()) {
            raw.write(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: x\r\n\r\n"
                    .repeat(20)
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            assertThatThrownBy(() -> server.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .cause()
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void aServerCertificateFromAnotherCaOrForAnotherNameIsRefused() throws Exception {
        TlsMaterial other = TlsMaterial.create(dir.resolve("other"));
        CompletableFuture<TlsChannel> server = accept(server("x509"));
        ClientTls trustsOther = ClientTls.x509(other.caCert(), Optional.empty(), Optional.empty());
        assertThatThrownBy(() -> TlsChannel.connect(dial(), trustsOther, "127.0.0.1", 0))
                .isInstanceOf(SSLException.class)
                .hasMessageContaining("PKIX path");
        assertThatThrownBy(() -> server.get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(java.io.UncheckedIOException.class);

        CompletableFuture<TlsChannel> again = accept(server("x509"));
        assertThatThrownBy(() -> TlsChannel.connect(dial(), client("x509"), "node-7.example", 0))
                .isInstanceOf(SSLException.class)
                .hasMessageContaining("node-7.example");
        assertThatThrownBy(() -> again.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
    }

    @Test
    void aServerWithACaRequiresAClientCertificateItSigned() throws Exception {
        ServerTls strict = ServerTls.x509(certs.serverCert(), certs.serverKey(), Optional.of(certs.caCert()));
        CompletableFuture<TlsChannel> refused = accept(strict);
        TlsChannel anonymous = TlsChannel.connect(dial(), client("x509"), "127.0.0.1", 0);
        assertThatThrownBy(() -> refused.get(10, TimeUnit.SECONDS)).hasMessageContaining("certificate");
        // TLS 1.3: the client learns of it at its first read
        assertThatThrownBy(() -> anonymous.read(ByteBuffer.allocate(1))).isInstanceOf(SSLException.class);

        CompletableFuture<TlsChannel> accepted = accept(strict);
        ClientTls withCertificate =
                ClientTls.x509(certs.caCert(), Optional.of(certs.clientCert()), Optional.of(certs.clientKey()));
        TlsChannel client = TlsChannel.connect(dial(), withCertificate, "127.0.0.1", 0);
        TlsChannel server = accepted.get(10, TimeUnit.SECONDS);
        send(client, ByteBuffer.wrap(new byte[] {42}));
        assertThat(receive(server, 1).get(0)).isEqualTo((byte) 42);
        client.close();
        server.close();
    }

    @Test
    void aWrongKeyOrAnUnknownIdentityIsRefusedWithoutShowingAKey() throws Exception {
        Path wrong = dir.resolve("wrong.psk");
        Map<String, String> wrongKeys = TlsMaterial.writePskFile(wrong, List.of("alice", "mallory"));
        for (String identity : List.of("alice", "mallory")) {
            CompletableFuture<TlsChannel> server = accept(server("psk"));
            ClientTls tls = ClientTls.psk(wrong, Optional.of(identity));
            assertThatThrownBy(() -> TlsChannel.connect(dial(), tls, "127.0.0.1", 0))
                    .isInstanceOf(IOException.class);
            Throwable failure = catchCause(server);
            assertThat(failure).isInstanceOf(java.io.UncheckedIOException.class);
            if (identity.equals("mallory")) {
                assertThat(failure).hasMessageContaining("no key for the identity offered (mallory)");
            }
            for (String key : List.of(wrongKeys.get(identity), pskKeys.get("alice"))) {
                assertThat(String.valueOf(failure)).doesNotContain(key);
            }
        }
    }

    private static Throwable catchCause(CompletableFuture<?> future) throws InterruptedException {
        try {
            future.get(10, TimeUnit.SECONDS);
            throw new AssertionError("the handshake succeeded");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the handshake neither failed nor finished", e);
        }
    }

    @Test
    void preSharedKeysWorkOverTls12Too() throws Exception {
        CompletableFuture<TlsChannel> server = accept(server("psk"));
        byte[] key = PskKeys.load(pskFile).key("bob").orElseThrow();
        TlsChannel client = BcPskChannel.connect(dial(), "bob", key, ProtocolVersion.TLSv12.only());
        TlsChannel accepted = server.get(10, TimeUnit.SECONDS);
        assertThat(accepted.describe()).isEqualTo("TLS 1.2 PSK (identity bob)");
        send(client, Patterns.random(100_000, 3));
        assertThat(receive(accepted, 100_000)).isEqualTo(Patterns.random(100_000, 3));
        client.close();
        accepted.close();
    }

    private interface Io<T> {
        T run() throws IOException;
    }

    private interface VoidIo {
        void run() throws IOException;
    }

    private static <T> T io(Io<T> io) {
        try {
            return io.run();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Void io(VoidIo io) {
        try {
            io.run();
            return null;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
