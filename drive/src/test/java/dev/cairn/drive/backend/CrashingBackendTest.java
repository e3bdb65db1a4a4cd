package dev.cairn.drive.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class CrashingBackendTest extends DriveBackendContract {
    @Override
    DriveBackend create() {
        return new CrashingBackend(new MemoryBackend(SIZE));
    }

    @Override
    boolean reportsHoles() {
        return false;
    }

    @Test
    void onlySyncedWritesSurviveACrash() throws Exception {
        CrashingBackend crashing = (CrashingBackend) backend;
        crashing.write(0, pattern(4096, 1));
        crashing.sync();
        crashing.write(4096, pattern(4096, 2));
        crashing.writeZeroes(0, 512, false);
        assertThat(crashing.pendingMutations()).isEqualTo(2);

        MemoryBackend lost = crashing.durableImage();
        assertThat(read(lost, 0, 4096)).isEqualTo(pattern(4096, 1));
        assertThat(read(lost, 4096, 4096)).isEqualTo(ByteBuffer.allocate(4096));

        MemoryBackend torn = crashing.crashImage(i -> false, 0, 1024);
        assertThat(read(torn, 4096, 1024)).isEqualTo(pattern(4096, 2).limit(1024));
        assertThat(read(torn, 5120, 3072)).isEqualTo(ByteBuffer.allocate(3072));

        MemoryBackend secondOnly = crashing.crashImage(i -> i == 1, -1, 0);
        assertThat(read(secondOnly, 0, 512)).isEqualTo(ByteBuffer.allocate(512));
        assertThat(read(secondOnly, 4096, 4096)).isEqualTo(ByteBuffer.allocate(4096));
    }

    private static ByteBuffer read(MemoryBackend b, long at, int length) {
        ByteBuffer dst = ByteBuffer.allocate(length);
        b.read(at, dst);
        return dst.flip();
    }
}
