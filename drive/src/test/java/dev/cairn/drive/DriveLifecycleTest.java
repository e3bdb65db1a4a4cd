package dev.cairn.drive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.drive.backend.FaultyBackend;
import dev.cairn.drive.backend.FileBackend;
import dev.cairn.drive.backend.MemoryBackend;
import dev.cairn.testkit.FakeClock;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restarts, and freeing while I/O is in flight. */
class DriveLifecycleTest {
    final FakeClock clock = new FakeClock();

    @TempDir
    Path dir;

    @Test
    void aRestartedDriveFindsEveryExtentWithItsContents() throws Exception {
        Path file = dir.resolve("d0.img");
        UUID nodeId = UUID.randomUUID();
        List<UUID> ids;
        try (Drive drive = Drive.format(FileBackend.create(file, 256L << 20), UUID.randomUUID(), nodeId, clock)) {
            Extent a = drive.allocate(UUID.randomUUID(), 8L << 20, ExtentAccess.OPEN);
            Extent b = drive.allocate(
                    UUID.randomUUID(), 1L << 20, new ExtentAccess(7, "k".repeat(64)), ExtentRecord.Kind.KV);
            Extent c = drive.allocate(UUID.randomUUID(), 4096, ExtentAccess.OPEN);
            a.write(123 << 12, DriveTest.pattern(65536, 1), true);
            b.write(0, DriveTest.pattern(4096, 2), false);
            c.write(0, DriveTest.pattern(4096, 3), false);
            c.flush();
            drive.free(c.id());
            ids = List.of(a.id(), b.id());
        }
        try (Drive drive = Drive.open(FileBackend.open(file), clock).orElseThrow()) {
            assertThat(drive.label().nodeId()).isEqualTo(nodeId);
            assertThat(drive.extents()).extracting(ExtentRecord::id).containsExactlyElementsOf(ids);
            Extent a = drive.extent(ids.get(0)).orElseThrow();
            Extent b = drive.extent(ids.get(1)).orElseThrow();
            assertThat(DriveTest.read(a, 123 << 12, 65536)).isEqualTo(DriveTest.pattern(65536, 1));
            assertThat(DriveTest.read(b, 0, 4096)).isEqualTo(DriveTest.pattern(4096, 2));
            // The kind sits after the longest secret the entry holds; both come back.
            assertThat(b.access()).isEqualTo(new ExtentAccess(7, "k".repeat(64)));
            assertThat(b.kind()).isEqualTo(ExtentRecord.Kind.KV);
            assertThat(a.kind()).isEqualTo(ExtentRecord.Kind.DATA);
            assertThat(drive.usage().usedBytes()).isEqualTo(9L << 20);
        }
    }

    @Test
    void freeWaitsForIoInFlightBeforeErasing() throws Exception {
        FaultyBackend backend = new FaultyBackend(new MemoryBackend(64L << 20));
        Drive drive = Drive.format(backend, UUID.randomUUID(), UUID.randomUUID(), clock);
        Extent e = drive.allocate(UUID.randomUUID(), 1 << 20, ExtentAccess.OPEN);
        // hold the data write (not the table writes) until released
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        backend.add((op, position, length) -> {
            if (op == FaultyBackend.Op.WRITE && position >= drive.label().dataStart()) {
                writing.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        ExecutorService threads = Executors.newCachedThreadPool();
        CompletableFuture<Void> write = CompletableFuture.runAsync(
                () -> {
                    try {
                        e.write(0, DriveTest.pattern(4096, 1), false);
                    } catch (Exception x) {
                        throw new IllegalStateException(x);
                    }
                },
                threads);
        assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> free = CompletableFuture.runAsync(
                () -> {
                    try {
                        drive.free(e.id());
                    } catch (Exception x) {
                        throw new IllegalStateException(x);
                    }
                },
                threads);
        await().until(() -> drive.extents().getFirst().state() == ExtentRecord.State.ERASING);
        assertThat(free).isNotDone();
        release.countDown();
        write.get(10, TimeUnit.SECONDS);
        free.get(10, TimeUnit.SECONDS);
        threads.shutdown();
        assertThat(drive.extents()).isEmpty();
        ByteBuffer erased = ByteBuffer.allocate(4096);
        backend.read(drive.label().dataStart(), erased);
        assertThat(erased.flip()).isEqualTo(ByteBuffer.allocate(4096));
    }
}
