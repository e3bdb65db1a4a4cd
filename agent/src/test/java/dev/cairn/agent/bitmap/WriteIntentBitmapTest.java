package dev.cairn.agent.bitmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WriteIntentBitmapTest {
    private final RecordingSink sink = new RecordingSink();
    private final WriteIntentBitmap bitmap = new WriteIntentBitmap(100, sink);

    @Test
    void bitIsOnDiskBeforeTheWriteIsAdmitted() throws Exception {
        bitmap.beginWrite(5, 6);
        assertThat(sink.onDisk(100).stream().boxed()).containsExactly(5, 6);
        bitmap.endWrite(5, 6);
    }

    @Test
    void writeToADirtyRegionWritesNoPage() throws Exception {
        bitmap.beginWrite(7, 7);
        bitmap.endWrite(7, 7);
        int pagesWritten = sink.writes;
        bitmap.beginWrite(7, 7);
        bitmap.endWrite(7, 7);
        assertThat(sink.writes).isEqualTo(pagesWritten);
    }

    @Test
    void bitIsClearedOnlyWithNoWriteInFlightAndNoneSinceThePreviousSweep() throws Exception {
        bitmap.beginWrite(3, 3);
        bitmap.beginWrite(4, 4);
        bitmap.endWrite(4, 4);
        bitmap.sweep();
        assertThat(bitmap.clear(bitmap.sweep()))
                .as("region 4 is quiet, region 3 still being written")
                .isEqualTo(1);
        assertThat(sink.onDisk(100).stream().boxed()).containsExactly(3);
        bitmap.endWrite(3, 3);
        assertThat(bitmap.clear(bitmap.sweep()))
                .as("written since the previous sweep: kept")
                .isZero();
        assertThat(bitmap.clear(bitmap.sweep())).isEqualTo(1);
        assertThat(sink.onDisk(100).isEmpty()).isTrue();
    }

    @Test
    void writeBetweenSweepAndClearKeepsItsBit() throws Exception {
        bitmap.beginWrite(9, 9);
        bitmap.endWrite(9, 9);
        bitmap.sweep();
        WriteIntentBitmap.Sweep sweep = bitmap.sweep();
        assertThat(sweep.regions()).containsExactly(9L);
        bitmap.beginWrite(9, 9); // lands while the caller flushes the legs
        bitmap.endWrite(9, 9);
        assertThat(bitmap.clear(sweep)).isZero();
        assertThat(sink.onDisk(100).get(9)).isTrue();
    }

    @Test
    void copyWaitsForWritesInFlightAndWritesWaitForTheCopy() throws Exception {
        bitmap.beginWrite(2, 3);
        CompletableFuture<Void> copy = CompletableFuture.runAsync(() -> {
            try {
                bitmap.beginCopy(3);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(2)).until(() -> !copy.isDone());
        bitmap.endWrite(2, 3);
        copy.get(5, TimeUnit.SECONDS);
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
            try {
                bitmap.beginWrite(3, 3);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(2)).until(() -> !write.isDone());
        bitmap.beginWrite(4, 4); // other regions are not held up
        bitmap.endCopy(3);
        write.get(5, TimeUnit.SECONDS);
    }

    @Test
    void pagesDecodeToTheSameBitsAfterReload() throws Exception {
        for (long r : new long[] {0, 63, 64, 99}) {
            bitmap.beginWrite(r, r);
        }
        WriteIntentBitmap reloaded = new WriteIntentBitmap(100, new RecordingSink());
        reloaded.load(sink.onDisk(100));
        assertThat(reloaded.dirtyRegions()).containsExactly(0L, 63L, 64L, 99L);
    }
}
