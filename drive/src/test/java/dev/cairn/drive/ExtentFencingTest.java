package dev.cairn.drive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.drive.backend.MemoryBackend;
import dev.cairn.testkit.FakeClock;
import dev.cairn.testkit.Patterns;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** A client bound to a generation can do nothing once the extent moved on, not even land a late write. */
class ExtentFencingTest {
    static final long MIB = 1 << 20;

    @Test
    void aGenerationChangeWaitsForTheOldGenerationsWritesInFlightAndThenRefusesThem() throws Exception {
        Drive drive = Drive.format(new MemoryBackend(64 * MIB), UUID.randomUUID(), UUID.randomUUID(), new FakeClock());
        UUID id = UUID.randomUUID();
        Extent extent = drive.allocate(id, MIB, new ExtentAccess(1, "s"));
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread oldClient = Thread.ofVirtual().start(() -> {
            try {
                extent.fenced(1, () -> {
                    inside.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new InterruptedIOException();
                    }
                    extent.write(0, Patterns.random(4096, 1), false);
                    return null;
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        inside.await();
        Thread change = Thread.ofVirtual().start(() -> {
            try {
                drive.setAccess(id, new ExtentAccess(2, "s"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().until(() -> change.getState() == Thread.State.WAITING);
        assertThat(extent.access().generation())
                .as("not before the write in flight is done")
                .isEqualTo(1);
        release.countDown();
        oldClient.join();
        change.join();
        assertThat(extent.access().generation()).isEqualTo(2);

        ByteBuffer landed = ByteBuffer.allocate(4096);
        extent.read(0, landed);
        assertThat(landed.flip()).isEqualTo(Patterns.random(4096, 1));
        assertThatThrownBy(() -> extent.fenced(1, () -> {
                    extent.write(0, Patterns.random(4096, 2), false);
                    return null;
                }))
                .isInstanceOfSatisfying(
                        DriveException.class, e -> assertThat(e.reason()).isEqualTo(DriveException.Reason.FENCED))
                .hasMessageContaining("holds generation 1")
                .hasMessageContaining("at generation 2");
        assertThat(extent.<Long>fenced(2, () -> 7L)).isEqualTo(7L);
    }
}
