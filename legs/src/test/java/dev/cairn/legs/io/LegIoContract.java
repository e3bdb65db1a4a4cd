package dev.cairn.legs.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.nbd.BlockStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link LegIo} does, run against each implementation (a subclass per implementation,
 * where it lives: in memory here, over NBD to a real storage node and on the node's own drive in
 * the node's tests). The agent and the node's copies rely on exactly this: bytes read back where
 * they were written, durable writes seen by the next connection, zeroes where zeroes were asked
 * for, a request past the end refused without touching anything, and a closed connection that
 * answers nothing more and says it is lost.
 */
public abstract class LegIoContract {
    /** The size of the leg each test gets. */
    protected static final long SIZE = 4L << 20;

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** One leg of {@link #SIZE} bytes, zeroes at first, that a test may connect to more than once. */
    protected interface LegUnderTest {
        /** A new connection to the same leg: what one connection made durable, the next one reads. */
        LegIo connect() throws IOException;
    }

    /** A fresh leg of {@code sizeBytes} for one test. */
    protected abstract LegUnderTest newLeg(long sizeBytes) throws Exception;

    private LegUnderTest leg;
    private final List<LegIo> opened = new ArrayList<>();

    @BeforeEach
    void createLeg() throws Exception {
        leg = newLeg(SIZE);
    }

    @AfterEach
    void closeConnections() {
        opened.forEach(LegIo::close);
    }

    private LegIo connect() throws IOException {
        LegIo io = leg.connect();
        opened.add(io);
        return io;
    }

    private static <T> T done(CompletableFuture<T> request) throws Exception {
        return LegIo.await(request, WAIT);
    }

    private static byte[] bytes(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static ByteBuffer random(int length, long seed) {
        return ByteBuffer.wrap(bytes(length, seed));
    }

    private static byte[] read(LegIo io, long offset, int length) throws Exception {
        ByteBuffer dst = ByteBuffer.allocate(length);
        done(io.read(offset, dst));
        return dst.array();
    }

    @Test
    void aNewLegIsItsSizeAndReadsAsZeroes() throws Exception {
        LegIo io = connect();
        assertThat(io.sizeBytes()).isEqualTo(SIZE);
        assertThat(read(io, 0, 64 * 1024)).containsOnly(0);
        assertThat(read(io, SIZE - 4096, 4096)).containsOnly(0);
    }

    @Test
    void writesReadBackAtTheirOffsets() throws Exception {
        LegIo io = connect();
        long[] offsets = {0, 4096, 1 << 20, SIZE - 4096};
        for (int i = 0; i < offsets.length; i++) {
            done(io.write(offsets[i], random(4096, i), false));
        }
        for (int i = 0; i < offsets.length; i++) {
            assertThat(read(io, offsets[i], 4096)).as("at %d", offsets[i]).isEqualTo(bytes(4096, i));
        }
        assertThat(read(io, 8192, 4096)).as("between the writes").containsOnly(0);
        byte[] straddling = read(io, 4096 - 100, 200);
        assertThat(straddling).startsWith(new byte[] {bytes(4096, 0)[3996]});
        assertThat(ByteBuffer.wrap(straddling, 100, 100))
                .isEqualTo(random(4096, 1).limit(100));
    }

    @Test
    void aLargeWriteReadsBackWhole() throws Exception {
        LegIo io = connect();
        done(io.write(512 * 1024, random(1 << 20, 7), false));
        assertThat(read(io, 512 * 1024, 1 << 20)).isEqualTo(bytes(1 << 20, 7));
    }

    @Test
    void aReadFillsTheBufferFromItsPositionToItsLimitOnly() throws Exception {
        LegIo io = connect();
        done(io.write(0, random(4096, 3), false));
        ByteBuffer dst = ByteBuffer.allocate(1024);
        dst.array()[99] = 42;
        dst.array()[600] = 43;
        done(io.read(1000, dst.position(100).limit(600)));
        assertThat(dst.array()[99]).as("before the position").isEqualTo((byte) 42);
        assertThat(dst.array()[600]).as("at the limit").isEqualTo((byte) 43);
        assertThat(ByteBuffer.wrap(dst.array(), 100, 500))
                .isEqualTo(random(4096, 3).position(1000).limit(1500));
    }

    @Test
    void manyRequestsInFlightAtOnceEachLandWhereTheyWereSent() throws Exception {
        LegIo io = connect();
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            writes.add(io.write(i * 8192L, random(4096, 100 + i), false));
        }
        for (CompletableFuture<Void> w : writes) {
            done(w);
        }
        List<ByteBuffer> buffers = new ArrayList<>();
        List<CompletableFuture<Void>> reads = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            ByteBuffer dst = ByteBuffer.allocate(4096);
            buffers.add(dst);
            reads.add(io.read(i * 8192L, dst));
        }
        for (int i = 0; i < 64; i++) {
            done(reads.get(i));
            assertThat(buffers.get(i).array()).as("block %d", i).isEqualTo(bytes(4096, 100 + i));
        }
    }

    @Test
    void durableWritesAndFlushedWritesAreReadByTheNextConnection() throws Exception {
        LegIo first = connect();
        done(first.write(0, random(4096, 11), true));
        done(first.write(65536, random(4096, 12), false));
        done(first.flush());
        first.close();

        LegIo second = connect();
        assertThat(read(second, 0, 4096)).isEqualTo(bytes(4096, 11));
        assertThat(read(second, 65536, 4096)).isEqualTo(bytes(4096, 12));
    }

    @Test
    void writeZeroesAndTrimLeaveZeroesInTheirRangeOnly() throws Exception {
        LegIo io = connect();
        ByteBuffer data = random(256 * 1024, 5);
        done(io.write(0, data.duplicate(), false));
        done(io.writeZeroes(64 * 1024, 64 * 1024, false));
        done(io.writeZeroes(128 * 1024, 32 * 1024, true));
        done(io.trim(192 * 1024, 32 * 1024));
        byte[] now = read(io, 0, 256 * 1024);
        assertThat(ByteBuffer.wrap(now, 0, 64 * 1024))
                .isEqualTo(data.duplicate().limit(64 * 1024));
        assertThat(ByteBuffer.wrap(now, 64 * 1024, 96 * 1024)).isEqualTo(ByteBuffer.allocate(96 * 1024));
        assertThat(ByteBuffer.wrap(now, 160 * 1024, 32 * 1024))
                .isEqualTo(data.duplicate().position(160 * 1024).limit(192 * 1024));
        // Every leg's store gives the range back as zeroes (the drive's discard punches a hole).
        assertThat(ByteBuffer.wrap(now, 192 * 1024, 32 * 1024)).isEqualTo(ByteBuffer.allocate(32 * 1024));
        assertThat(ByteBuffer.wrap(now, 224 * 1024, 32 * 1024))
                .isEqualTo(data.duplicate().position(224 * 1024));
    }

    @Test
    void blockStatusSaysZeroForWhatWasNeverWrittenAndDataForWhatWas() throws Exception {
        LegIo io = connect();
        done(io.write(1 << 20, random(64 * 1024, 9), false));

        List<BlockStatus> data = done(io.blockStatus(1 << 20, 64 * 1024));
        assertThat(data).isNotEmpty();
        assertThat(data.getFirst().zero()).as("written bytes are not zeroes").isFalse();
        assertThat(data.getFirst().length()).isPositive();
        assertThat(data.stream().mapToLong(BlockStatus::length).sum()).isLessThanOrEqualTo(64 * 1024);

        List<BlockStatus> blank = done(io.blockStatus(2 << 20, 64 * 1024));
        assertThat(blank).isNotEmpty().allMatch(BlockStatus::zero);
        assertThat(blank.stream().mapToLong(BlockStatus::length).sum()).isEqualTo(64 * 1024);
    }

    @Test
    void aRequestPastTheEndFailsAndChangesNothing() throws Exception {
        LegIo io = connect();
        done(io.write(SIZE - 8192, random(8192, 21), false));

        assertFails(io.read(SIZE - 4096, ByteBuffer.allocate(8192)));
        assertFails(io.read(SIZE, ByteBuffer.allocate(512)));
        assertFails(io.write(SIZE - 4096, ByteBuffer.allocate(8192), false));
        assertFails(io.writeZeroes(SIZE - 4096, 8192, false));

        assertThat(read(io, SIZE - 8192, 8192))
                .as("nothing half-done, and the connection still answers")
                .isEqualTo(bytes(8192, 21));
    }

    /** Fails in time, with an error: a request that never answers is not a refusal. */
    private static void assertFails(CompletableFuture<?> request) {
        assertThat(request).failsWithin(WAIT).withThrowableOfType(ExecutionException.class);
    }

    @Test
    void aClosedConnectionIsLostAndAnswersNothingMore() throws Exception {
        LegIo io = connect();
        done(io.write(0, random(4096, 31), false));
        CompletableFuture<?> lost = io.lost();
        assertThat(lost).as("lost only once it is gone").isNotDone();

        io.close();
        await().atMost(WAIT).until(lost::isDone);
        assertRefused(() -> io.read(0, ByteBuffer.allocate(4096)));
        assertRefused(() -> io.write(0, random(4096, 32), false));
        assertRefused(io::flush);
        io.close(); // closing twice is harmless

        assertThat(read(connect(), 0, 4096))
                .as("the write refused after the close did not land")
                .isEqualTo(bytes(4096, 31));
    }

    /** A request on a closed connection fails: at once, or its answer does, in time. */
    private static void assertRefused(Supplier<CompletableFuture<?>> request) {
        CompletableFuture<?> answer;
        try {
            answer = request.get();
        } catch (RuntimeException e) {
            return; // refused at once
        }
        assertFails(answer);
    }
}
