package dev.cairn.drive.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBackendTest extends DriveBackendContract {
    @TempDir
    Path dir;

    @Override
    DriveBackend create() throws IOException {
        return FileBackend.create(dir.resolve("drive.img"), SIZE);
    }

    @Test
    void createsASparseFileOfTheRequestedSize() throws Exception {
        Path file = dir.resolve("drive.img");
        assertThat(Files.size(file)).isEqualTo(SIZE);
        assertThat(Files.getAttribute(file, "unix:size")).isEqualTo(SIZE);
        assertThat(backend.allocation(0, SIZE)).singleElement().matches(AllocationRange::hole);
    }

    @Test
    void aSecondOpenOfTheSameDriveIsRefused() {
        assertThatThrownBy(() -> FileBackend.open(dir.resolve("drive.img")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("in use by another process");
    }

    @Test
    void createRefusesAnExistingFile() {
        assertThatThrownBy(() -> FileBackend.create(dir.resolve("drive.img"), SIZE))
                .isInstanceOf(NativeIoException.class)
                .hasMessageContaining("File exists");
    }

    @Test
    void reopenSeesWhatWasWritten() throws Exception {
        backend.write(1 << 20, pattern(4096, 9));
        backend.sync();
        backend.close();
        backend = FileBackend.open(dir.resolve("drive.img"));
        assertThat(backend.sizeBytes()).isEqualTo(SIZE);
        assertThat(readBack(1 << 20, 4096, true)).isEqualTo(pattern(4096, 9));
    }

    @Test
    void dataJustWrittenIsReadWithoutBlocking() throws Exception {
        backend.write(1 << 20, pattern(65536, 12));
        ByteBuffer dst = ByteBuffer.allocateDirect(65536);
        assertThat(backend.tryRead(1 << 20, dst)).isTrue();
        assertThat(dst.flip()).isEqualTo(pattern(65536, 12));
    }

    @Test
    void onlyRangesWhollyInThePageCacheHaveAView() throws Exception {
        backend.write(1 << 20, pattern(8192, 16));
        assertThat(backend.residentView(1 << 20, 8192)).isPresent();
        assertThat(backend.residentView((1 << 20) + 4000, 1000)).isPresent();
        assertThat(backend.residentView(4L << 20, 4096))
                .as("never written: no page")
                .isEmpty();
        assertThat(backend.residentView((1 << 20) + 4096, 8192))
                .as("half resident")
                .isEmpty();
        assertThat(backend.residentView(0, 0)).isEmpty();
    }

    @Test
    void discardPunchesAHoleInTheFile() throws Exception {
        backend.write(0, pattern(1 << 20, 10));
        long allocatedBefore = allocatedBytes();
        backend.discard(0, 1 << 20);
        assertThat(allocatedBytes()).isLessThan(allocatedBefore);
        assertThat(backend.zeroesFast()).isTrue();
    }

    private long allocatedBytes() throws IOException {
        return backend.allocation(0, SIZE).stream()
                .filter(r -> !r.hole())
                .mapToLong(AllocationRange::length)
                .sum();
    }

    @Test
    void openingADirectoryOrMissingPathFailsClearly() {
        assertThatThrownBy(() -> FileBackend.open(dir)).hasMessageContaining("is a directory");
        assertThatThrownBy(() -> FileBackend.open(dir.resolve("missing"))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> FileBackend.create(dir.resolve("zero"), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
