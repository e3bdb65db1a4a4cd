package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.nbd.client.NbdClient;
import dev.cairn.testkit.NbdFuzzSessions;
import dev.cairn.testkit.NodeProcess;
import dev.cairn.testkit.PrometheusText;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generated NBD sessions ({@link NbdFuzzSessions}: noise, noise as options, valid sessions with
 * mutated requests, cut or flipped anywhere) against a live storage node, many at once on virtual
 * threads: the node never crashes, never hangs (every session ends with the node closing the
 * connection, and a real client is served after every batch), and its counts come back to rest.
 *
 * <p>{@code -Dcairn.fuzz.sessions=N} (default 100,000) and {@code -Dcairn.fuzz.seed=S} (default 1)
 * run it longer or elsewhere; session {@code i} is drawn from {@code seed + i}, so a failing
 * session can be replayed alone.
 */
class NbdFuzzIT {
    private static final long SESSIONS = Long.getLong("cairn.fuzz.sessions", 100_000);
    private static final long SEED = Long.getLong("cairn.fuzz.seed", 1);
    private static final int BATCH = 5_000;
    private static final int CONCURRENT = 64;
    private static final long EXPORT_BYTES = 1 << 20;
    /** How long the node may take to close a session whose client has said all it will say. */
    private static final int CLOSE_TIMEOUT_MILLIS = 20_000;

    @TempDir
    Path dir;

    @Test
    void generatedSessionsNeverCrashOrHangTheNode() throws Exception {
        try (NodeProcess node = NodeProcess.start(
                dir.resolve("node"), List.of(dir.resolve("node/d0.img") + ",size=256MiB"), List.of())) {
            String id = node.admin()
                    .post("/v1/extents", "{\"sizeBytes\":" + EXPORT_BYTES + "}")
                    .ok()
                    .get("id")
                    .asText();
            NbdFuzzSessions sessions = new NbdFuzzSessions(id, EXPORT_BYTES);
            AtomicLong hangs = new AtomicLong();
            AtomicLong bytesBack = new AtomicLong();
            long started = System.nanoTime();
            try (ExecutorService clients = Executors.newFixedThreadPool(
                    CONCURRENT, Thread.ofVirtual().name("fuzz-", 0).factory())) {
                for (long first = 0; first < SESSIONS; first += BATCH) {
                    List<Future<?>> batch = new ArrayList<>();
                    for (long i = first; i < Math.min(SESSIONS, first + BATCH); i++) {
                        long index = i;
                        batch.add(clients.submit(() -> {
                            byte[] bytes = sessions.session(index, new SplittableRandom(SEED + index));
                            long back = run(node.nbd(), index, bytes);
                            if (back < 0) {
                                hangs.incrementAndGet();
                                System.out.println("session " + index + " (seed " + (SEED + index) + ") hung");
                            } else {
                                bytesBack.addAndGet(back);
                            }
                            return null;
                        }));
                    }
                    for (Future<?> f : batch) {
                        f.get();
                    }
                    assertThat(hangs.get()).as("sessions the node left hanging").isZero();
                    assertThat(node.process().isAlive())
                            .as(node.process().log())
                            .isTrue();
                    realClientIsServed(node.nbd(), id, first);
                }
            }
            long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
            System.out.println("fuzz: " + SESSIONS + " sessions (seed " + SEED + ") in " + seconds + " s, "
                    + bytesBack.get() + " bytes answered");
            await().until(() -> {
                PrometheusText m = PrometheusText.scrape(node.metricsUrl());
                return m.value("cairn_node_nbd_connections") == 0 && m.value("cairn_node_nbd_buffer_bytes") == 0;
            });
            PrometheusText m = PrometheusText.scrape(node.metricsUrl());
            assertThat(m.sum("cairn_node_nbd_requests_total"))
                    .as("requests answered: some, and not more than the sessions could send")
                    .isPositive()
                    .isLessThanOrEqualTo(SESSIONS * 13.0 + SESSIONS / BATCH * 2 + 2);
        }
    }

    /**
     * Sends one session from a loopback address of its own (so 100,000 connections do not run out
     * of ports) and closes its side, while reading until the node closes (replies are read as they
     * come, so neither side waits on the other): the bytes read back, or -1 if the node neither
     * answered nor closed in time.
     */
    private static long run(InetSocketAddress nbd, long index, byte[] bytes) throws Exception {
        InetAddress from = InetAddress.getByAddress(new byte[] {127, 1, (byte) (index >> 8), (byte) index});
        Socket s = new Socket();
        Thread sender = Thread.ofVirtual().unstarted(() -> {
            try {
                s.getOutputStream().write(bytes);
                s.shutdownOutput();
            } catch (IOException e) {
                // the node hung up before taking everything: a legitimate answer
            }
        });
        long total = 0;
        try (s) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(nbd, 10_000);
            s.setSoTimeout(CLOSE_TIMEOUT_MILLIS);
            s.setSoLinger(true, 0); // no TIME_WAIT left behind: the node has closed first anyway
            sender.start();
            InputStream in = s.getInputStream();
            byte[] chunk = new byte[64 * 1024];
            try {
                for (int n; (n = in.read(chunk)) >= 0; ) {
                    total += n;
                }
            } catch (SocketTimeoutException e) {
                total = -1;
            } catch (IOException e) {
                // a reset counts as closed
            }
        } // closing the socket ends the sender too, if the node had stopped reading
        sender.join();
        return total;
    }

    /** A well-behaved client writes and reads back a block after every batch. */
    private static void realClientIsServed(InetSocketAddress nbd, String export, long batch) throws Exception {
        try (NbdClient c = NbdClient.connect(nbd, export)) {
            ByteBuffer block = ByteBuffer.allocate(4096);
            block.putLong(0, batch).putLong(4088, ~batch);
            c.write(EXPORT_BYTES - 4096, block.duplicate(), true).get();
            assertThat(c.read(EXPORT_BYTES - 4096, 4096).get()).isEqualTo(block);
        }
    }
}
