package dev.cairn.control.daemon;

import dev.cairn.control.api.ReadyFile;
import dev.cairn.control.erasure.Reprotector;
import dev.cairn.control.erasure.Restriper;
import dev.cairn.control.raft.RatisReplicatedState;
import dev.cairn.control.rest.ControllerApi;
import dev.cairn.control.rest.Tokens;
import dev.cairn.control.state.RepairPlanner;
import dev.cairn.dkv.DkvMeters;
import dev.cairn.metrics.DaemonMetrics;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller daemon: one peer of the replicated cluster state, the REST API over it (with
 * {@code /metrics}), and the monitor that marks silent nodes offline and places repairs. Start
 * order is metrics, state, API, monitor; {@link #close} goes the other way.
 */
public final class Controller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Controller.class);
    /** How often the repair loop asks whether this peer leads (it runs a pass at once when it does). */
    private static final Duration REPAIR_TICK = Duration.ofMillis(200);
    /** How long the DKV loop waits for one NBD call to a KV volume. */
    private static final Duration DKV_IO_TIMEOUT = Duration.ofSeconds(10);

    private final ControllerConfig config;
    private final RatisReplicatedState state;
    private final ControllerApi api;
    private final ScheduledExecutorService monitorThread;
    private final DaemonMetrics metrics;
    private final ScheduledExecutorService dkvThread;
    private final DkvMonitor dkv;

    private Controller(
            ControllerConfig config,
            RatisReplicatedState state,
            ControllerApi api,
            ScheduledExecutorService monitor,
            DaemonMetrics metrics,
            ScheduledExecutorService dkvThread,
            DkvMonitor dkv) {
        this.config = config;
        this.state = state;
        this.api = api;
        this.monitorThread = monitor;
        this.metrics = metrics;
        this.dkvThread = dkvThread;
        this.dkv = dkv;
    }

    public static Controller start(ControllerConfig config, InstantSource clock) throws IOException {
        Files.createDirectories(config.dataDir());
        Tokens tokens = TokenFiles.load(config.dataDir(), config.adminToken(), config.readToken(), config.nodeToken());
        RatisReplicatedState state = RatisReplicatedState.start(config.raft());
        DaemonMetrics metrics = DaemonMetrics.create();
        ControllerApi.Settings settings = new ControllerApi.Settings(
                config.spareFraction(),
                config.repairBytesPerSecond(),
                config.restTls(),
                config.dkv().mirrors(),
                config.dkv().kvVolumesPerDrive(),
                config.kvLease());
        ControllerApi api;
        try {
            api = ControllerApi.start(state, tokens, clock, settings, config.restListen(), metrics);
        } catch (RuntimeException e) {
            metrics.close();
            state.close();
            throw new IOException("cannot serve the REST API on " + config.restListen() + ": " + e.getMessage(), e);
        }
        OfflineMonitor monitor = new OfflineMonitor(state, clock, config.offlineAfter());
        long every = Math.clamp(config.offlineAfter().toMillis() / 5, 200, 5_000);
        RepairMonitor repairs = new RepairMonitor(
                state,
                clock,
                new RepairPlanner.Settings(config.repairSyncsPerNode(), config.spareFraction()),
                Duration.ofMillis(every),
                api.metrics()::repairStarted,
                api.layouts()::cached);
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("cairn-monitor").daemon().factory());
        // The offline monitor waits a full interval after gaining leadership (its own rule); the
        // repair loop is ticked often, and runs as soon as this peer leads.
        Future<?> _ = thread.scheduleWithFixedDelay(
                () -> guarded(
                        "offline check",
                        () -> monitor.check()
                                .forEach(n -> log.warn(
                                        "node {} ({}) stopped heartbeating: marked offline",
                                        state.readLocal(s -> s.nodes().containsKey(n)
                                                ? s.nodes().get(n).name()
                                                : "?"),
                                        n))),
                every,
                every,
                TimeUnit.MILLISECONDS);
        Future<?> _ = thread.scheduleWithFixedDelay(
                () -> guarded("repair pass", repairs::tick), 0, REPAIR_TICK.toMillis(), TimeUnit.MILLISECONDS);
        // The DKV loop has a thread of its own: a recovery copies a shard over NBD, which the
        // offline check and the repair loop must not wait for.
        DkvMonitor dkv = new DkvMonitor(
                state,
                clock,
                settings.dkvPlacement(),
                Duration.ofMillis(every),
                DKV_IO_TIMEOUT,
                api.metrics()::dkvRecovered,
                new DkvMeters(metrics.registry()));
        ScheduledExecutorService dkvThread = dkvThreads();
        Future<?> _ = dkvThread.scheduleWithFixedDelay(
                () -> guarded("DKV pass", dkv::tick), 0, REPAIR_TICK.toMillis(), TimeUnit.MILLISECONDS);
        scheduleRestriper(dkvThread, restriper(config, state, api, clock));
        Controller c = new Controller(config, state, api, thread, metrics, dkvThread, dkv);
        try {
            awaitLoaded(state);
            if (config.readyFile().isPresent()) {
                c.writeReadyFile(config.readyFile().get());
            }
        } catch (IOException e) {
            c.close();
            throw e;
        }
        log.info(
                "controller peer {} ready: REST API on {}, replication on {}, metrics on {}",
                config.raft().peerId(),
                c.restUrl(),
                config.raft().self().hostPort(),
                c.metricsUrl());
        return c;
    }

    /**
     * Waits until the peer has replayed its log (its API answers 503 until then), so that "ready"
     * means serving. Replaying is local work: the entries are on this peer's disk.
     */
    private static void awaitLoaded(RatisReplicatedState state) throws IOException {
        if (!state.loaded()) {
            log.info("replaying the log up to index {} before serving", state.committedAtStart());
        }
        while (!state.loaded()) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while replaying the log");
            }
        }
    }

    private interface Pass {
        void run() throws IOException;
    }

    /** The restriper's two passes: the end of volumes' creation, then reprotect. */
    private record RestriperPasses(Restriper restriper, Reprotector reprotector) {}

    private static RestriperPasses restriper(
            ControllerConfig config, RatisReplicatedState state, ControllerApi api, InstantSource clock) {
        return new RestriperPasses(
                new Restriper(state, api.layouts(), clock),
                new Reprotector(
                        state,
                        api.layouts(),
                        clock,
                        config.repairSyncsPerNode(),
                        api.metrics().reprotect()));
    }

    /**
     * Two threads: the restriper's passes wait on the DKV (a layout written while a shard is
     * recovering waits up to its timeout, volume after volume), and the DKV pass that recovers that
     * shard must not wait behind them (it did, for 90 s, in bench/reprotect.sh).
     */
    private static ScheduledExecutorService dkvThreads() {
        return Executors.newScheduledThreadPool(
                2, Thread.ofPlatform().name("cairn-dkv-", 0).daemon().factory());
    }

    /**
     * The restriper writes layouts into the DKV: its pass, then its reprotect pass, on the DKV's
     * second thread (never in the way of the DKV pass).
     */
    private static void scheduleRestriper(ScheduledExecutorService dkvThread, RestriperPasses passes) {
        Future<?> _ = dkvThread.scheduleWithFixedDelay(
                () -> {
                    guarded("restriper pass", passes.restriper()::tick);
                    guarded("reprotect pass", passes.reprotector()::tick);
                },
                0,
                REPAIR_TICK.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Runs a monitor's pass so that nothing stops the monitor thread: a pass the replicated state
     * cannot answer (no leader, a lost majority) is simply tried again; anything else is a bug,
     * reported, and tried again too.
     */
    private static void guarded(String what, Pass pass) {
        try {
            pass.run();
        } catch (IOException e) {
            log.debug("{} skipped: {}", what, e.toString());
        } catch (RuntimeException e) {
            log.error("{} failed; trying again at the next one", what, e);
        }
    }

    public String restUrl() {
        String scheme = config.restTls().isPresent() ? "https" : "http";
        return scheme + "://" + config.restListen().getHostString() + ":" + api.port();
    }

    /** Where Prometheus scrapes this peer: {@code /metrics} on the REST port, without a token. */
    public String metricsUrl() {
        return restUrl() + "/metrics";
    }

    private void writeReadyFile(Path file) throws IOException {
        new ReadyFile.Controller(
                        config.raft().peerId(), restUrl(), config.raft().self().hostPort(), metricsUrl())
                .write(file);
    }

    @Override
    public void close() {
        monitorThread.shutdownNow();
        dkvThread.shutdownNow();
        dkv.close();
        api.close();
        metrics.close();
        try {
            state.close();
        } catch (IOException e) {
            log.error("closing the replicated state failed", e);
        }
        log.info("controller peer {} stopped", config.raft().peerId());
    }
}
