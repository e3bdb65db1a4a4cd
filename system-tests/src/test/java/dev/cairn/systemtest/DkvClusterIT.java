package dev.cairn.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.control.api.ControlClient;
import dev.cairn.control.api.CrashPoints;
import dev.cairn.control.api.Views;
import dev.cairn.dkv.ControlledDkv;
import dev.cairn.dkv.Linearizability;
import dev.cairn.dkv.Linearizability.Kind;
import dev.cairn.dkv.Linearizability.Op;
import dev.cairn.dkv.Slot;
import dev.cairn.dkv.SlotRead;
import dev.cairn.testkit.ControllerProcess;
import dev.cairn.testkit.PrometheusText;
import dev.cairn.testkit.Tool;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The DKV with a real controller and four nodes in four zones: the cluster places its first shard
 * itself, a reservation hands out keys in it, a client puts and gets through the controller's
 * layout, a node holding a mirror is killed while puts go on, and the controller is killed in the
 * middle of the recovery (after the copy, before the log says so); restarted, it recovers the shard
 * again; the dead node returns and its KV volume is erased; another mirror's node hangs (SIGSTOP)
 * and its mirror is replaced and recovered the same way; every acknowledged put is there, on every
 * mirror, and every key's history (a second client reading throughout) is linearizable.
 */
class DkvClusterIT extends ClusterFixture {
    private static final long FIRST = 1L << 16;
    private static final int KEYS = 40;
    private ControlClient control;
    private ControlledDkv dkv;
    /** Every key's operations, as the clients saw them, for the linearizability check. */
    private final Map<Long, List<Op>> history = new ConcurrentHashMap<>();

    @AfterEach
    void closeClients() {
        if (dkv != null) {
            dkv.close();
        }
        if (control != null) {
            control.close();
        }
    }

    private Views.DkvView status() {
        try {
            return control.dkv().status();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Puts {@code value} ("vROUND-INDEX") at {@code key}, recording the put in the key's history. */
    private void put(long key, String value) throws Exception {
        long invoked = System.nanoTime();
        try {
            dkv.client()
                    .put(key, ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)))
                    .get(30, TimeUnit.SECONDS);
            record(key, new Op(Kind.PUT, round(value), invoked, System.nanoTime()));
        } catch (Exception e) {
            // It may have taken effect or not, now or later: its response never came.
            record(key, new Op(Kind.PUT, round(value), invoked, Linearizability.UNKNOWN));
            throw e;
        }
    }

    private void record(long key, Op op) {
        history.computeIfAbsent(key, k -> Collections.synchronizedList(new ArrayList<>()))
                .add(op);
    }

    /** The round a value was put in (its number in the key's register). */
    private static long round(String value) {
        return value == null ? Linearizability.ABSENT : Long.parseLong(value.substring(1, value.indexOf('-')));
    }

    /** What an operator does with {@code cairn dkv}: status, put, get, scan, delete. */
    private void operatorCommands() {
        String status = cli("dkv", "status").ok().stdout();
        assertThat(status).contains("1 shard of 4096 keys").contains("100 reserved (2% full), 0 shards recovering");
        assertThat(status)
                .as("the replaced mirror was erased once the shard was recovered")
                .doesNotContain("retired");
        String key = Long.toString(FIRST + 99);
        assertThat(cli("dkv", "put", key, "set by an operator").ok().stdout()).contains("key " + key + " set");
        assertThat(cli("dkv", "get", key).ok().stdout().strip()).isEqualTo("set by an operator");
        assertThat(cli("dkv", "scan", key, Long.toString(FIRST + 100)).ok().stdout())
                .contains(key)
                .contains("set by an operator");
        cli("dkv", "delete", key).ok();
        Tool.Result gone = cli("dkv", "get", key);
        assertThat(gone.exitCode()).isEqualTo(1);
        assertThat(gone.stderr()).contains("key " + key + " has no value");
        Tool.Result outside = cli("dkv", "get", Long.toString(FIRST + 4096));
        assertThat(outside.exitCode()).isEqualTo(1);
        assertThat(outside.stderr()).contains("outside the DKV's keys").contains("reserve room first");
    }

    /** A get of each key returns its last acknowledged value, and every mirror holds that same put. */
    private void everyAcknowledgedPutIsOnEveryMirror(Map<Long, String> acked) throws Exception {
        for (Map.Entry<Long, String> e : acked.entrySet()) {
            assertThat(get(e.getKey())).as("key " + e.getKey()).isEqualTo(e.getValue());
            // Every mirror holds that same put (settle marks, not awaited, may still be on their way).
            List<String> puts = dkv.everyMirror(e.getKey()).get(30, TimeUnit.SECONDS).stream()
                    .map(r -> r instanceof SlotRead.Valid(Slot slot)
                            ? slot.version() + "=" + new String(slot.value().orElseThrow(), StandardCharsets.UTF_8)
                            : r.toString())
                    .toList();
            assertThat(puts).as("key %d on every mirror", e.getKey()).hasSize(3).containsOnly(puts.getFirst());
            assertThat(puts.getFirst()).endsWith("=" + e.getValue());
        }
    }

    /** Gets {@code key}, recording the get in the key's history (a get that fails did nothing). */
    private String get(long key) throws Exception {
        long invoked = System.nanoTime();
        Optional<byte[]> v = dkv.client().get(key).get(30, TimeUnit.SECONDS);
        String value = v.map(b -> new String(b, StandardCharsets.UTF_8)).orElse(null);
        record(key, new Op(Kind.GET, round(value), invoked, System.nanoTime()));
        return value;
    }

    /** Gets random keys until {@code stop} (bounded in time), as a second client would. */
    private CompletableFuture<Void> readWhile(AtomicBoolean stop) {
        return CompletableFuture.runAsync(() -> {
            Random random = new Random(20261203);
            long deadline = System.nanoTime() + WAIT.multipliedBy(4).toNanos();
            while (!stop.get() && System.nanoTime() < deadline) {
                try {
                    get(FIRST + random.nextInt(KEYS));
                } catch (Exception e) {
                    LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // the DKV is being repaired
                }
            }
        });
    }

    @Test
    void aShardLosingANodeIsRecoveredEvenWhenTheControllerDiesMidRecovery() throws Exception {
        controllerGroup(1);
        List<String> controllerArgs = List.of("--offline-after", "3s", "--election-timeout", "500ms");
        ControllerProcess c1 = startController("c1", controllerArgs);
        startNodes(List.of("na", "nb", "nc", "nd"), n -> startNode(n, n.substring(1)));
        awaitNodesOnline(4);
        control = new ControlClient(
                List.of(URI.create(c1.url())),
                Optional.of(Files.readString(c1.tokenFile("admin")).strip()),
                Duration.ofSeconds(30));

        // A new cluster starts with one shard, placed as soon as three nodes can hold its mirrors.
        await().atMost(WAIT).until(() -> status().shards().size() == 1);
        assertThat(cli("dkv", "reserve", "100").ok().stdout()).contains("keys " + FIRST + " to " + (FIRST + 99));
        Views.DkvView first = status();
        assertThat(first.reservedKeys()).isEqualTo(100);
        assertThat(first.shards())
                .singleElement()
                .satisfies(s -> assertThat(s.mirrors()).hasSize(3));
        assertThat(first.shards().getFirst().mirrors().stream()
                        .map(Views.DkvMirrorView::node)
                        .distinct())
                .hasSize(3);

        dkv = new ControlledDkv(() -> control.dkv().layout(), 7, Duration.ofSeconds(10));
        Map<Long, String> acked = new ConcurrentHashMap<>();
        for (int i = 0; i < KEYS; i++) {
            put(FIRST + i, "v0-" + i);
            acked.put(FIRST + i, "v0-" + i);
        }
        assertThat(get(FIRST + 3)).isEqualTo("v0-3");

        // Puts go on, each retried until it is acknowledged, while a mirror's node dies.
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger rounds = new AtomicInteger();
        CompletableFuture<Void> writer = writeRounds(acked, stop, rounds);
        CompletableFuture<Void> reader = readWhile(stop);
        await().atMost(WAIT).until(() -> rounds.get() >= 1);

        // The controller will halt once it has copied the shard, before it logs it recovered.
        c1.process().stop();
        c1 = startController("c1", controllerArgs, Map.of("CAIRN_CRASH_AT", "dkv-recovery-copied"));
        Views.DkvMirrorView lost = first.shards().getFirst().mirrors().getFirst();
        String victim = lost.node();
        nodes.get(victim).process().kill();
        assertThat(c1.process().waitFor(WAIT.multipliedBy(2)))
                .as(c1.process().log())
                .isEqualTo(CrashPoints.EXIT);

        c1 = startController("c1", controllerArgs);
        awaitRecoveredWithout(lost, WAIT.multipliedBy(2));
        awaitRoundsMore(rounds, 1);

        // The dead node returns: its replaced KV volume is an orphan, erased.
        startNode(victim, victim.substring(1));
        await().atMost(WAIT)
                .until(() ->
                        !kvVolumesOn(nodes.get(victim)).contains(lost.extentId().toString())
                                && api().get("/v1/orphans").ok().isEmpty());

        aMirrorNodeHangs(victim, rounds);
        awaitRoundsMore(rounds, 1);
        stop.set(true);
        writer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        reader.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        everyAcknowledgedPutIsOnEveryMirror(acked);
        history.forEach((key, ops) -> assertThat(Linearizability.check(new ArrayList<>(ops)))
                .as("key %d's history of %d operations is linearizable", key, ops.size())
                .isTrue());
        assertThat(cli("dkv", "get", Long.toString(FIRST + 5)).ok().stdout().strip())
                .isEqualTo(acked.get(FIRST + 5));
        assertThat(c1.process().log()).contains("DKV shard 0: recovered");
        operatorCommands();
        assertThat(status().shards().getFirst().recovering()).isFalse();

        dkvMetersShowTheRecoveries(c1, victim);
    }

    /**
     * A mirror's node hangs (SIGSTOP) while puts and gets go on: marked offline, its mirror is
     * replaced on the one node left ({@code spare}, the one that returned) and the shard recovered
     * without it. Woken, it serves nothing on its old lease, and erases its replaced KV volume.
     */
    private void aMirrorNodeHangs(String spare, AtomicInteger rounds) {
        Views.DkvMirrorView hung = status().shards().getFirst().mirrors().getFirst();
        nodes.get(hung.node()).process().pause();
        try {
            awaitRecoveredWithout(hung, WAIT.multipliedBy(2));
            assertThat(status().shards().getFirst().mirrors())
                    .extracting(Views.DkvMirrorView::node)
                    .contains(spare)
                    .doesNotContain(hung.node());
            awaitRoundsMore(rounds, 1);
        } finally {
            nodes.get(hung.node()).process().resume();
        }
        await().atMost(WAIT)
                .until(() -> !kvVolumesOn(nodes.get(hung.node()))
                                .contains(hung.extentId().toString())
                        && api().get("/v1/orphans").ok().isEmpty());
    }

    /**
     * What the controller (restarted after its crash) reports: both recoveries, the first finding the
     * copy its predecessor made, the second writing every key onto the fresh mirror on {@code spare}.
     */
    private void dkvMetersShowTheRecoveries(ControllerProcess c1, String spare) throws Exception {
        PrometheusText metrics = PrometheusText.scrape(c1.metricsUrl());
        assertThat(metrics.value("cairn_controller_dkv_shards")).isEqualTo(1);
        assertThat(metrics.value("cairn_controller_dkv_shards_recovering")).isZero();
        assertThat(metrics.value("cairn_controller_dkv_epoch")).isEqualTo((double) status().epoch());
        assertThat(metrics.value("cairn_controller_dkv_recoveries_total")).isGreaterThanOrEqualTo(2);
        assertThat(metrics.value("cairn_controller_dkv_recovered_bytes_total")).isGreaterThanOrEqualTo(KEYS * 4096.0);
        assertThat(metrics.find("cairn_dkv_client_operations_seconds_count", "op", "put"))
                .as("the controller's DKV client has its meters")
                .isNotEmpty();
        PrometheusText node = PrometheusText.scrape(nodes.get(spare).metricsUrl());
        assertThat(node.value("cairn_node_kv_slot_writes_total", "result", "written"))
                .as("the returned node took the hung node's mirror: the recovery and the puts since wrote to it")
                .isGreaterThanOrEqualTo(KEYS);
    }

    /**
     * Waits until shard 0 is recovered with mirror {@code gone} replaced: no mirror recovering, every
     * mirror served at the current epoch.
     */
    private void awaitRecoveredWithout(Views.DkvMirrorView gone, Duration atMost) {
        await().atMost(atMost).until(() -> {
            Views.DkvView now = status();
            Views.DkvShardView shard = now.shards().getFirst();
            return !shard.recovering()
                    && shard.mirrors().stream().noneMatch(m -> m.extentId().equals(gone.extentId()))
                    && shard.mirrors().stream().allMatch(m -> m.reportedEpoch() == now.epoch());
        });
    }

    /** Waits until the writer has put every key {@code more} more times. */
    private static void awaitRoundsMore(AtomicInteger rounds, int more) {
        int before = rounds.get();
        await().atMost(WAIT).until(() -> rounds.get() >= before + more);
    }

    /**
     * Puts every key again, round after round, each put retried until it is acknowledged (recorded
     * in {@code acked}), until {@code stop}; bounded in time.
     */
    private CompletableFuture<Void> writeRounds(Map<Long, String> acked, AtomicBoolean stop, AtomicInteger rounds) {
        return CompletableFuture.runAsync(() -> {
            long deadline = System.nanoTime() + WAIT.multipliedBy(4).toNanos();
            for (int r = 1; !stop.get() && System.nanoTime() < deadline; r++) {
                for (int i = 0; i < KEYS; i++) {
                    String value = "v" + r + "-" + i;
                    while (true) {
                        try {
                            put(FIRST + i, value);
                            acked.put(FIRST + i, value);
                            break;
                        } catch (Exception e) {
                            if (System.nanoTime() > deadline) {
                                throw new AssertionError("a put could not be made for " + WAIT.multipliedBy(4), e);
                            }
                            LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // the DKV is being repaired
                        }
                    }
                }
                rounds.incrementAndGet();
            }
        });
    }
}
