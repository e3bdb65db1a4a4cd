package dev.cairn.legs.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class RegionCopierTest {

    @Property(tries = 50)
    void everyCheckpointCoversOnlyCopiedRegions(
            @ForAll @IntRange(min = 1, max = 8) int workers,
            @ForAll @IntRange(min = 1, max = 20) int every,
            @ForAll @IntRange(min = 0, max = 60) int from,
            @ForAll @IntRange(min = 0, max = 5) int dirtyBelow)
            throws Exception {
        long regionCount = 64;
        List<Long> dirty =
                LongStream.range(0, Math.min(dirtyBelow, from)).boxed().toList();
        List<Long> regions = ResyncPlan.Sync.fullFrom(from).regions(regionCount, dirty);
        Set<Long> copied = ConcurrentHashMap.newKeySet();
        List<Long> checkpoints = new CopyOnWriteArrayList<>();
        new RegionCopier(workers, every)
                .copy(
                        regions,
                        from,
                        regionCount,
                        r -> {
                            if (r % 7 == 3) {
                                Thread.sleep(1); // workers finish out of order
                            }
                            assertThat(copied.add(r))
                                    .as("region %d copied once", r)
                                    .isTrue();
                        },
                        below -> {
                            for (long r : regions) {
                                if (r < below && !dirty.contains(r)) {
                                    assertThat(copied)
                                            .as("checkpoint %d covers region %d", below, r)
                                            .contains(r);
                                }
                            }
                            checkpoints.add(below);
                        },
                        () -> {},
                        "test");
        assertThat(copied).containsExactlyInAnyOrderElementsOf(regions);
        assertThat(checkpoints).doesNotHaveDuplicates().isSorted();
        checkpoints.forEach(k -> assertThat(k).isBetween((long) from + 1, regionCount));
    }

    @Test
    void theFirstFailureStopsTheCopyAndIsThrown() {
        AtomicInteger started = new AtomicInteger();
        List<Long> regions = LongStream.range(0, 1000).boxed().toList();
        assertThatThrownBy(() -> new RegionCopier(4, 10)
                        .copy(
                                regions,
                                0,
                                1000,
                                r -> {
                                    started.incrementAndGet();
                                    if (r == 20) {
                                        throw new IOException("leg lost");
                                    }
                                },
                                RegionCopier.NO_CHECKPOINT,
                                () -> {},
                                "test"))
                .isInstanceOf(IOException.class)
                .hasMessage("leg lost");
        assertThat(started.get()).as("workers stop after their region").isLessThan(40);
    }

    @Test
    void halfwayRunsOnceWhenHalfTheRegionsAreCopied() throws Exception {
        AtomicInteger copied = new AtomicInteger();
        List<Integer> seen = new ArrayList<>();
        new RegionCopier(1, 1000)
                .copy(
                        LongStream.range(0, 9).boxed().toList(),
                        0,
                        9,
                        r -> copied.incrementAndGet(),
                        RegionCopier.NO_CHECKPOINT,
                        () -> seen.add(copied.get()),
                        "test");
        assertThat(seen).hasSize(1);
        assertThat(seen.getFirst()).isBetween(5, 9);
    }

    @Test
    void interruptingTheCallerStopsTheWorkers() throws Exception {
        CountDownLatch inside = new CountDownLatch(2);
        AtomicInteger interrupted = new AtomicInteger();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                new RegionCopier(2, 10)
                        .copy(
                                LongStream.range(0, 100).boxed().toList(),
                                0,
                                100,
                                r -> {
                                    inside.countDown();
                                    try {
                                        new CountDownLatch(1).await();
                                    } catch (InterruptedException e) {
                                        interrupted.incrementAndGet();
                                        throw e;
                                    }
                                },
                                RegionCopier.NO_CHECKPOINT,
                                () -> {},
                                "test");
            } catch (Exception e) {
                thrown.set(e);
            }
        });
        inside.await();
        caller.interrupt();
        caller.join();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        await().until(() -> interrupted.get() == 2);
    }
}
