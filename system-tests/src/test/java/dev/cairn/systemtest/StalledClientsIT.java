package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.testkit.AgentProcess;
import dev.cairn.testkit.CairnProcess;
import dev.cairn.testkit.NodeProcess;
import dev.cairn.testkit.PrometheusText;
import dev.cairn.testkit.Tool;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Scanner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * fio writes (4 KiB to 2 MiB) and verifies through a storage node's export, then through an
 * agent's, while hundreds of clients stall against the same server in every phase (handshake,
 * request header, write payload, replies never read, some hanging up and coming back), there
 * before fio starts: fio's IOPS never fall to zero in any second, and the server's buffer memory stays within what each stalled connection may pin on its
 * own. Prints the figures (IOPS per second, buffer bytes, the process's RSS) the README quotes.
 */
class StalledClientsIT extends ReplicationFixture {
    /** Stalled connections in each phase. */
    private static final int PER_PHASE = 100;
    /**
     * Stallers that hang up after a second and stall again, in a header or a payload. (Ones that
     * send READs again every second make the server read megabytes for them each time: a load, and
     * a real one, but not a stall.)
     */
    private static final int REPEATING = 20;

    private static final int FIO_SECONDS = 16;
    private static final long MiB = 1 << 20;
    /**
     * What one stalled connection may hold in the NBD server's buffers, by phase (see the server's
     * design note): a 4 KiB handshake buffer; a 256 KiB input buffer and a 64 KiB reply scratch;
     * and 2 MiB of reply credit for a client that does not read. 64 bytes of headroom each.
     */
    private static final long BOUND = PER_PHASE * (4 * 1024 + 64)
            + 2L * PER_PHASE * (320 * 1024 + 128)
            + PER_PHASE * (320 * 1024 + 2 * MiB + 192)
            // the repeating ones, and as many again gone but not yet cleaned up
            + 4L * REPEATING * (320 * 1024 + 128)
            // fio's own connection, and the write data its requests have in flight
            + 320 * 1024
            + 2 * MiB
            + 16 * MiB;

    @Test
    void fioThroughANodeKeepsGoingWhileHundredsOfClientsStall() throws Exception {
        Tool.require("fio", "fio");
        try (NodeProcess node =
                NodeProcess.start(dir.resolve("node"), List.of(dir.resolve("node/d0.img") + ",size=1GiB"), List.of())) {
            long size = 256 * MiB;
            String id = node.admin()
                    .post("/v1/extents", "{\"sizeBytes\":" + size + "}")
                    .ok()
                    .get("id")
                    .asText();
            Figures f = underStall(
                    node.uri(id),
                    node.nbd(),
                    id,
                    size,
                    node.process(),
                    node.metricsUrl(),
                    "cairn_node_nbd_buffer_bytes");
            System.out.println("stalled clients vs a node: " + f);
            f.check();
        }
    }

    @Test
    void fioThroughAnAgentKeepsGoingWhileHundredsOfClientsStall() throws Exception {
        startCluster();
        AgentProcess agent = startAgent("h1");
        // one leg: what is under test is the agent's own NBD server, and two cores have enough to
        // do with the agent, fio and the stallers
        String id = createAttached("vol", "256MiB", "h1", "single");
        Figures f = underStall(
                agent.uri(id),
                agent.nbd(),
                id,
                256 * MiB,
                agent.process(),
                agent.metricsUrl(),
                "cairn_agent_nbd_buffer_bytes");
        System.out.println("stalled clients vs an agent: " + f);
        f.check();
    }

    /** What a run measured. */
    record Figures(
            List<Integer> iopsPerSecond, long maxBufferBytes, long rssBeforeBytes, long maxRssBytes, Tool.Result fio) {
        void check() {
            assertThat(fio.exitCode()).as(fio.describe()).isZero();
            assertThat(iopsPerSecond).as("fio's IOPS, second by second").hasSizeGreaterThanOrEqualTo(FIO_SECONDS - 4);
            assertThat(iopsPerSecond).as("no second without I/O").allMatch(iops -> iops > 0);
            assertThat(maxBufferBytes)
                    .as("NBD buffer memory, within the per-connection bounds")
                    .isLessThanOrEqualTo(BOUND);
            assertThat(maxRssBytes - rssBeforeBytes)
                    .as("the process's growth in RSS")
                    .isLessThan(1024 * MiB);
        }

        @Override
        public String toString() {
            return "fio IOPS per second " + iopsPerSecond + " (min "
                    + iopsPerSecond.stream().mapToInt(i -> i).min().orElse(0) + "), NBD buffers at most "
                    + maxBufferBytes / MiB + " MiB, RSS " + rssBeforeBytes / MiB + " MiB before the stall and at most "
                    + maxRssBytes / MiB + " MiB during it";
        }
    }

    private Figures underStall(
            String uri,
            SocketAddress nbd,
            String export,
            long exportBytes,
            CairnProcess server,
            String metricsUrl,
            String bufferGauge)
            throws Exception {
        Path log = dir.resolve("fio-" + export);
        Path iopsLog = dir.resolve(log.getFileName() + "_iops.1.log");
        long rssBefore = rssBytes(server.pid());
        AtomicLong maxBuffers = new AtomicLong();
        AtomicLong maxRss = new AtomicLong(rssBefore);
        int reconnects;
        CompletableFuture<Tool.Result> fio;
        try (Stallers stallers = new Stallers(nbd, export, exportBytes)) {
            // the stallers are there first: fio's first request already meets them
            for (Stallers.Phase phase : Stallers.Phase.values()) {
                stallers.start(phase, PER_PHASE);
            }
            // and attackers that repeat a stall, hanging up and coming back every second
            stallers.start(Stallers.Phase.HEADER, REPEATING, Duration.ofSeconds(1));
            stallers.start(Stallers.Phase.PAYLOAD, REPEATING, Duration.ofSeconds(1));
            assertThat(stallers.stalled()).isGreaterThanOrEqualTo(4 * PER_PHASE);
            fio = CompletableFuture.supplyAsync(() -> Tool.run(
                    FIO_TIMEOUT,
                    "fio",
                    "--name=stalled",
                    "--ioengine=nbd",
                    "--uri=" + uri,
                    "--rw=randwrite",
                    // small writes, and large ones that a node too takes in pieces
                    "--bssplit=4k/60:64k/25:2m/15",
                    "--iodepth=4",
                    "--size=64M",
                    "--time_based",
                    "--runtime=" + FIO_SECONDS,
                    "--randseed=4242",
                    "--verify=crc32c",
                    "--verify_backlog=256",
                    "--verify_fatal=1",
                    "--verify_state_save=0",
                    "--write_iops_log=" + log,
                    "--log_avg_msec=1000",
                    "--output-format=json"));
            // the stall lasts as long as fio: sample the server's memory meanwhile (and stop waiting
            // once fio is well overdue, so that a server that starves it still gets its figures)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(FIO_SECONDS + 20);
            await().atMost(Duration.ofSeconds(FIO_SECONDS + 40))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        maxBuffers.accumulateAndGet(bufferBytes(metricsUrl, bufferGauge), Math::max);
                        maxRss.accumulateAndGet(rssBytes(server.pid()), Math::max);
                        return fio.isDone() || System.nanoTime() > deadline;
                    });
            reconnects = stallers.reconnects();
        }
        System.out.println("stallers came back " + reconnects + " times");
        Tool.Result r = fio.get(FIO_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(server.isAlive()).isTrue();
        return new Figures(iopsPerSecond(samples(iopsLog)), maxBuffers.get(), rssBefore, maxRss.get(), r);
    }

    /** fio's per-second samples: [msec, iops] of each line, every direction. */
    private static List<long[]> samples(Path log) throws IOException {
        List<long[]> out = new ArrayList<>();
        if (!Files.exists(log)) {
            return out;
        }
        for (String line : Files.readAllLines(log)) {
            Scanner f = new Scanner(line).useDelimiter(",\\s*");
            if (f.hasNextLong()) {
                long msec = f.nextLong();
                if (f.hasNextLong()) {
                    out.add(new long[] {msec, f.nextLong()});
                }
            }
        }
        return out;
    }

    /**
     * IOPS of each whole second of the run, reads (verification) and writes together; a second with
     * no sample at all counts as zero.
     */
    private static List<Integer> iopsPerSecond(List<long[]> samples) {
        long last = samples.stream().mapToLong(s -> s[0]).max().orElse(0);
        int seconds = (int) ((last + 500) / 1000);
        int[] iops = new int[seconds];
        for (long[] s : samples) {
            int second = (int) ((s[0] + 500) / 1000) - 1;
            if (second >= 0 && second < seconds) {
                iops[second] += (int) s[1];
            }
        }
        List<Integer> out = new ArrayList<>();
        for (int i : iops) {
            out.add(i);
        }
        return out;
    }

    private static long bufferBytes(String metricsUrl, String gauge) {
        List<PrometheusText.Sample> found = PrometheusText.scrape(metricsUrl).find(gauge);
        return found.isEmpty() ? 0 : (long) found.getFirst().value();
    }

    private static long rssBytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS for process " + pid);
    }
}
