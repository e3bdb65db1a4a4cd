package dev.cairn.drive.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Without faults the wrapper passes the whole contract; with one it fails exactly what it names. */
class FaultyBackendTest extends DriveBackendContract {
    @Override
    DriveBackend create() {
        return new FaultyBackend(new MemoryBackend(SIZE));
    }

    @Test
    void failsOnlyTheOperationAndRangeItNames() throws Exception {
        FaultyBackend faulty = (FaultyBackend) backend;
        faulty.add(FaultyBackend.failing(FaultyBackend.Op.READ, 8192, 12288, "medium error"));
        assertThatThrownBy(() -> faulty.read(8000, ByteBuffer.allocate(500)))
                .isInstanceOf(IOException.class)
                .hasMessage("medium error");
        faulty.read(0, ByteBuffer.allocate(8192));
        faulty.write(8192, ByteBuffer.allocate(4096));
        faulty.clear();
        faulty.read(8192, ByteBuffer.allocate(4096));
        assertThat(faulty.describe()).startsWith("faulty ");
    }
}
