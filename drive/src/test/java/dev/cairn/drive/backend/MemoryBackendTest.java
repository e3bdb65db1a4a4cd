package dev.cairn.drive.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class MemoryBackendTest extends DriveBackendContract {
    @Override
    DriveBackend create() {
        return new MemoryBackend(SIZE);
    }

    @Test
    void aHugeSparseDriveCostsOnlyItsWrittenPages() throws Exception {
        MemoryBackend huge = new MemoryBackend(1L << 40);
        huge.write((1L << 40) - 4096, ByteBuffer.allocate(4096));
        assertThat(huge.residentBytes()).isEqualTo(4096);
        assertThat(huge.allocation(0, 1L << 40)).hasSize(2);
    }

    @Test
    void copiesAreIndependent() throws Exception {
        MemoryBackend original = new MemoryBackend(SIZE);
        original.write(0, pattern(4096, 1));
        MemoryBackend copy = original.copy();
        original.write(0, pattern(4096, 2));
        ByteBuffer seen = ByteBuffer.allocate(4096);
        copy.read(0, seen);
        assertThat(seen.flip()).isEqualTo(pattern(4096, 1));
    }
}
