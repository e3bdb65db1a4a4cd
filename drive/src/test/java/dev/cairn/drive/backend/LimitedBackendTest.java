package dev.cairn.drive.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * A drive with a bandwidth passes the whole contract (at a bandwidth that does not slow it), and
 * moves its bytes no faster than it allows, requests from several threads taking turns.
 */
class LimitedBackendTest extends DriveBackendContract {
    @Override
    DriveBackend create() {
        return new LimitedBackend(new MemoryBackend(SIZE), 1L << 40);
    }

    @Test
    void bytesFromSeveralThreadsTakeAtLeastTheirTimeAtTheBandwidth() throws Exception {
        // 2 MiB at 8 MiB/s: a quarter of a second at least, however the requests overlap.
        LimitedBackend drive = new LimitedBackend(new MemoryBackend(SIZE), 8L << 20);
        long start = System.nanoTime();
        List<CompletableFuture<Void>> done = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 8; i++) {
                long at = i * 256L * 1024;
                done.add(CompletableFuture.runAsync(
                        () -> {
                            try {
                                if (at % (512L * 1024) == 0) {
                                    drive.write(at, ByteBuffer.allocate(256 * 1024));
                                } else {
                                    drive.read(at, ByteBuffer.allocate(256 * 1024));
                                }
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        },
                        threads));
            }
        }
        done.forEach(CompletableFuture::join);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(250_000_000L);
        assertThat(drive.tryRead(0, ByteBuffer.allocate(4096)))
                .as("nothing skips the medium")
                .isFalse();
        assertThat(drive.residentView(0, 4096)).isEmpty();
        assertThatThrownBy(() -> new LimitedBackend(new MemoryBackend(SIZE), 0))
                .hasMessageContaining("must be positive");
    }
}
