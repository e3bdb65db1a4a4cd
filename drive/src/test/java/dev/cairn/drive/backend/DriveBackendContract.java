package dev.cairn.drive.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.testkit.Patterns;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link DriveBackend} must do; one subclass per implementation. */
abstract class DriveBackendContract {
    static final long SIZE = 16L << 20;

    DriveBackend backend;

    /** A fresh, all-zero backend of {@link #SIZE} bytes. */
    abstract DriveBackend create() throws Exception;

    /** Whether this backend can tell holes from data. */
    boolean reportsHoles() {
        return true;
    }

    @BeforeEach
    void open() throws Exception {
        backend = create();
    }

    @AfterEach
    void close() throws Exception {
        backend.close();
    }

    static ByteBuffer pattern(int length, long seed) {
        return Patterns.random(length, seed);
    }

    ByteBuffer readBack(long position, int length, boolean direct) throws Exception {
        ByteBuffer dst = direct ? ByteBuffer.allocateDirect(length) : ByteBuffer.allocate(length);
        backend.read(position, dst);
        assertThat(dst.hasRemaining()).isFalse();
        return dst.flip();
    }

    @Test
    void reportsItsSize() {
        assertThat(backend.sizeBytes()).isEqualTo(SIZE);
    }

    @Test
    void newBackendReadsAsZeroes() throws Exception {
        assertThat(readBack(12345, 10000, true)).isEqualTo(ByteBuffer.allocate(10000));
    }

    @Test
    void readsBackWhatWasWrittenAtUnalignedOffsets() throws Exception {
        ByteBuffer data = pattern(10007, 1);
        backend.write(4093, data.duplicate());
        assertThat(readBack(4093, 10007, true)).isEqualTo(data);
        assertThat(readBack(4093, 10007, false)).isEqualTo(data);
        assertThat(readBack(4092, 1).get()).isZero();
    }

    private ByteBuffer readBack(long position, int length) throws Exception {
        return readBack(position, length, false);
    }

    @Test
    void tryReadReadsOnlyCorrectBytesAndReadFinishesTheRest() throws Exception {
        backend.write(8192, pattern(16384, 11));
        ByteBuffer dst = ByteBuffer.allocateDirect(16384);
        if (!backend.tryRead(8192, dst)) {
            backend.read(8192 + dst.position(), dst);
        }
        assertThat(dst.flip()).isEqualTo(pattern(16384, 11));
    }

    @Test
    void aResidentViewShowsTheBytesAndLaterWrites() throws Exception {
        backend.write(12288, pattern(20000, 14));
        Optional<ByteBuffer> view = backend.residentView(12300, 10000);
        if (view.isPresent()) {
            assertThat(view.get().isReadOnly()).isTrue();
            assertThat(view.get()).isEqualTo(pattern(20000, 14).position(12).limit(10012));
            backend.write(12300, pattern(100, 15));
            assertThat(view.get().duplicate().limit(100)).isEqualTo(pattern(100, 15));
        }
    }

    @Test
    void tryWriteWritesAllOrNothing() throws Exception {
        ByteBuffer src = ByteBuffer.allocateDirect(8192).put(pattern(8192, 13)).flip();
        if (!backend.tryWrite(4096, src)) {
            assertThat(src.remaining()).isEqualTo(8192);
            assertThat(readBack(4096, 8192, true)).isEqualTo(ByteBuffer.allocate(8192));
            backend.write(4096, src);
        }
        assertThat(readBack(4096, 8192, true)).isEqualTo(pattern(8192, 13));
    }

    @Test
    void directAndHeapBuffersWriteTheSameBytes() throws Exception {
        ByteBuffer data = pattern(8192, 2);
        ByteBuffer direct =
                ByteBuffer.allocateDirect(8192).put(data.duplicate()).flip();
        backend.write(0, direct);
        backend.write(8192, data.duplicate());
        assertThat(readBack(0, 8192)).isEqualTo(readBack(8192, 8192));
    }

    @Test
    void writeConsumesTheBufferAndReadFillsIt() throws Exception {
        ByteBuffer src = pattern(4096, 3);
        backend.write(0, src);
        assertThat(src.hasRemaining()).isFalse();
        ByteBuffer dst = ByteBuffer.allocate(4096);
        backend.read(0, dst);
        assertThat(dst.position()).isEqualTo(4096);
    }

    @Test
    void durableWriteIsReadable() throws Exception {
        ByteBuffer data = pattern(4096, 4);
        backend.writeDurable(SIZE - 4096, data.duplicate());
        backend.sync();
        assertThat(readBack(SIZE - 4096, 4096)).isEqualTo(data);
    }

    @Test
    void discardReadsBackAsZeroes() throws Exception {
        backend.write(0, pattern(1 << 20, 5));
        backend.discard(4096, 65536);
        assertThat(readBack(4096, 65536)).isEqualTo(ByteBuffer.allocate(65536));
        assertThat(readBack(0, 4096)).isEqualTo(pattern(1 << 20, 5).limit(4096));
        assertThat(readBack(69632, 4096))
                .isEqualTo(pattern(1 << 20, 5).position(69632).limit(73728));
    }

    @Test
    void writeZeroesWithAndWithoutHolesReadsBackAsZeroes() throws Exception {
        backend.write(0, pattern(1 << 20, 6));
        backend.writeZeroes(100, 5000, false);
        backend.writeZeroes(200_000, 300_000, true);
        assertThat(readBack(100, 5000)).isEqualTo(ByteBuffer.allocate(5000));
        assertThat(readBack(200_000, 300_000)).isEqualTo(ByteBuffer.allocate(300_000));
        assertThat(readBack(99, 1)).isEqualTo(pattern(1 << 20, 6).position(99).limit(100));
    }

    @Test
    void refusesRangesOutsideTheBackend() {
        assertThatThrownBy(() -> backend.read(SIZE - 10, ByteBuffer.allocate(11)))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> backend.write(-1, ByteBuffer.allocate(1)))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> backend.discard(SIZE, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> backend.writeZeroes(Long.MAX_VALUE, 2, false))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void allocationMapCoversTheRangeAndSeesWrittenData() throws Exception {
        backend.discard(0, SIZE);
        backend.write(1 << 20, pattern(1 << 20, 7));
        List<AllocationRange> map = backend.allocation(0, 4L << 20);
        assertThat(map).isNotEmpty();
        assertThat(map.getFirst().position()).isZero();
        for (int i = 1; i < map.size(); i++) {
            assertThat(map.get(i).position()).isEqualTo(map.get(i - 1).end());
        }
        assertThat(map.getLast().end()).isEqualTo(4L << 20);
        assertThat(map.stream().filter(r -> !r.hole()).anyMatch(r -> r.position() <= (1 << 20) && r.end() >= (2 << 20)))
                .isTrue();
        if (reportsHoles()) {
            assertThat(map.getFirst()).isEqualTo(new AllocationRange(0, 1 << 20, true));
            assertThat(map.getLast()).isEqualTo(new AllocationRange(2 << 20, 2 << 20, true));
        }
    }

    @Test
    void concurrentWritersToDisjointRangesAllLand() throws Exception {
        int writers = 8;
        int blocks = 64;
        try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    for (int b = 0; b < blocks; b++) {
                        backend.write(((long) b * writers + writer) * 4096, pattern(4096, b * 100L + writer));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        for (int w = 0; w < writers; w++) {
            for (int b = 0; b < blocks; b++) {
                assertThat(readBack(((long) b * writers + w) * 4096, 4096)).isEqualTo(pattern(4096, b * 100L + w));
            }
        }
    }
}
