package dev.cairn.cli;

import dev.cairn.nbd.client.NbdClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import java.util.zip.CRC32C;

/**
 * The demo's data: 1 MiB blocks of pseudo-random bytes, each with the CRC32C it was written with,
 * written and read back through an NBD export with a few requests in flight.
 */
final class DemoData {
    static final int BLOCK = 1 << 20;
    private static final int IN_FLIGHT = 8;
    private static final long TIMEOUT_SECONDS = 120;

    private final long seed;
    private final long[] crcs;

    DemoData(long seed, int blocks) {
        this.seed = seed;
        this.crcs = new long[blocks];
    }

    int blocks() {
        return crcs.length;
    }

    /**
     * Writes blocks {@code from} (inclusive) to {@code to} (exclusive) and flushes; {@code written}
     * hears each block's index as it is acknowledged. Fails on the first write the export refuses.
     */
    void write(NbdClient nbd, int from, int to, IntConsumer written) throws IOException {
        Semaphore slots = new Semaphore(IN_FLIGHT);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        for (int i = from; i < to && failed.get() == null; i++) {
            acquire(slots);
            ByteBuffer data = content(i);
            crcs[i] = crc(data.duplicate());
            int index = i;
            var _ = nbd.write((long) i * BLOCK, data, false).whenComplete((ok, e) -> {
                if (e != null) {
                    failed.compareAndSet(null, e);
                } else {
                    written.accept(index);
                }
                slots.release();
            });
        }
        acquire(slots, IN_FLIGHT);
        if (failed.get() != null) {
            throw new IOException("a write failed: " + failed.get().getMessage(), failed.get());
        }
        await(nbd.flush());
    }

    /**
     * Reads blocks {@code 0} to {@code to} back; the indexes of blocks whose CRC32C differs from the
     * one they were written with. {@code read} hears each block as it arrives.
     */
    List<Integer> verify(NbdClient nbd, int to, IntConsumer read) throws IOException {
        Semaphore slots = new Semaphore(IN_FLIGHT);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        List<Integer> bad = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < to && failed.get() == null; i++) {
            acquire(slots);
            int index = i;
            var _ = nbd.read((long) i * BLOCK, BLOCK).whenComplete((data, e) -> {
                if (e != null) {
                    failed.compareAndSet(null, e);
                } else {
                    if (crc(data) != crcs[index]) {
                        bad.add(index);
                    }
                    read.accept(index);
                }
                slots.release();
            });
        }
        acquire(slots, IN_FLIGHT);
        if (failed.get() != null) {
            throw new IOException("a read failed: " + failed.get().getMessage(), failed.get());
        }
        return bad;
    }

    private ByteBuffer content(int index) {
        byte[] bytes = new byte[BLOCK];
        new SplittableRandom(seed * 31 + index).nextBytes(bytes);
        return ByteBuffer.wrap(bytes);
    }

    private static long crc(ByteBuffer data) {
        CRC32C c = new CRC32C();
        c.update(data);
        return c.getValue();
    }

    private static void acquire(Semaphore slots) throws IOException {
        acquire(slots, 1);
    }

    private static void acquire(Semaphore slots, int permits) throws IOException {
        try {
            if (!slots.tryAcquire(permits, TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException("no answer from the export for " + TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void await(CompletableFuture<?> f) throws IOException {
        try {
            f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("the export failed a flush: " + e.getMessage(), e);
        }
    }
}
