package dev.cairn.drive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.drive.backend.AllocationRange;
import dev.cairn.drive.backend.DriveBackend;
import dev.cairn.drive.backend.MemoryBackend;
import dev.cairn.testkit.FakeClock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * A drive's reports (its extents, its space) never wait for the medium: a change whose extent
 * table write is stuck behind a busy disk holds the drive's lock, and a heartbeat that read the
 * reports under that lock would stall until the node is taken for lost.
 */
class DriveReportsTest {
    private static final long MIB = 1 << 20;

    /** A memory drive whose writes wait while it is held. */
    private static final class Held implements DriveBackend {
        final MemoryBackend memory = new MemoryBackend(64 * MIB);
        volatile CountDownLatch held = new CountDownLatch(0);
        final CountDownLatch waiting = new CountDownLatch(1);

        private void await() throws IOException {
            try {
                if (held.getCount() > 0) {
                    waiting.countDown();
                }
                held.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        }

        @Override
        public long sizeBytes() {
            return memory.sizeBytes();
        }

        @Override
        public void read(long position, ByteBuffer dst) throws IOException {
            memory.read(position, dst);
        }

        @Override
        public void write(long position, ByteBuffer src) throws IOException {
            await();
            memory.write(position, src);
        }

        @Override
        public void writeDurable(long position, ByteBuffer src) throws IOException {
            await();
            memory.writeDurable(position, src);
        }

        @Override
        public void sync() throws IOException {
            memory.sync();
        }

        @Override
        public void discard(long position, long length) throws IOException {
            memory.discard(position, length);
        }

        @Override
        public void writeZeroes(long position, long length, boolean allowHole) throws IOException {
            memory.writeZeroes(position, length, allowHole);
        }

        @Override
        public boolean zeroesFast() {
            return memory.zeroesFast();
        }

        @Override
        public List<AllocationRange> allocation(long position, long length) throws IOException {
            return memory.allocation(position, length);
        }

        @Override
        public String describe() {
            return "held " + memory.describe();
        }

        @Override
        public void close() throws IOException {
            memory.close();
        }
    }

    @Test
    void reportsAnswerWhileAChangeWaitsForTheMedium() throws Exception {
        Held backend = new Held();
        Drive drive = Drive.format(backend, UUID.randomUUID(), UUID.randomUUID(), new FakeClock());
        UUID id = UUID.randomUUID();
        drive.allocate(id, 4 * MIB, ExtentAccess.OPEN);
        SpaceUsage before = drive.usage();

        backend.held = new CountDownLatch(1);
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        CompletableFuture<Void> change = CompletableFuture.runAsync(
                () -> {
                    try {
                        drive.setAccess(id, new ExtentAccess(7, "s"));
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                },
                threads);
        backend.waiting.await();
        // The change holds the lock and waits for the medium; the reports answer meanwhile.
        assertThat(CompletableFuture.supplyAsync(drive::usage, threads))
                .succeedsWithin(Duration.ofSeconds(10))
                .isEqualTo(before);
        assertThat(CompletableFuture.supplyAsync(() -> drive.extents().size(), threads))
                .succeedsWithin(Duration.ofSeconds(10))
                .isEqualTo(1);
        assertThat(change).isNotDone();

        backend.held.countDown();
        change.get();
        threads.close();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> drive.extents().getFirst().access().generation() == 7);
    }
}
