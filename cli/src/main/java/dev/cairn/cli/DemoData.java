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
import java.util.function.IntFunction;
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
        inFlight("write", from, to, i -> {
            ByteBuffer data = content(i);
            crcs[i] = crc(data.duplicate());
            return nbd.write((long) i * BLOCK, data, false).thenRun(() -> written.accept(i));
        });
        await(nbd.flush());
    }

    /**
     * Reads blocks {@code 0} to {@code to} back; the indexes of blocks whose CRC32C differs from the
     * one they were written with. {@code read} hears each block as it arrives.
     */
    List<Integer> verify(NbdClient nbd, int to, IntConsumer read) throws IOException {
        List<Integer> bad = Collections.synchronizedList(new ArrayList<>());
        inFlight(
                "read",
                0,
                to,
                i -> nbd.read((long) i * BLOCK, BLOCK).thenAccept(data -> {
                    if (crc(data) != crcs[i]) {
                        bad.add(i);
                    }
                    read.accept(i);
                }));
        return bad;
    }

    /**
     * Runs {@code request} for blocks {@code from} to {@code to}, {@link #IN_FLIGHT} at a time, and
     * waits for all of them; fails with the first request that failed (no new one starts after it).
     */
    private static void inFlight(String what, int from, int to, IntFunction<CompletableFuture<?>> request)
            throws IOException {
        Semaphore slots = new Semaphore(IN_FLIGHT);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        for (int i = from; i < to && failed.get() == null; i++) {
            acquire(slots, 1);
            var _ = request.apply(i).whenComplete((ok, e) -> {
                if (e != null) {
                    failed.compareAndSet(null, e);
                }
                slots.release();
            });
        }
        acquire(slots, IN_FLIGHT);
        if (failed.get() != null) {
            throw new IOException("a " + what + " failed: " + failed.get().getMessage(), failed.get());
        }
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
