package dev.cairn.bench;

import dev.cairn.drive.backend.FileBackend;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Random reads from a file in the page cache: Cairn's file backend (pread and preadv2 with
 * RWF_NOWAIT through the FFM API) against the JDK's {@link FileChannel} positional read, the peer
 * it replaces, on the same file in the same run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class FileReadBenchmark {
    private static final long FILE_BYTES = 256L << 20;

    @Param({"4096", "65536"})
    int blockBytes;

    private Path file;
    private FileBackend backend;
    private FileChannel channel;
    private ByteBuffer buffer;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        file = Files.createTempFile("cairn-bench", ".img");
        Files.delete(file);
        backend = FileBackend.create(file, FILE_BYTES);
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        for (long at = 0; at < FILE_BYTES; at += chunk.capacity()) {
            ThreadLocalRandom.current().ints(chunk.capacity() / 4).forEach(i -> chunk.putInt(i));
            backend.write(at, chunk.flip());
            chunk.clear();
        }
        channel = FileChannel.open(file, StandardOpenOption.READ);
        buffer = ByteBuffer.allocateDirect(blockBytes);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        channel.close();
        backend.close();
        Files.deleteIfExists(file);
    }

    private long randomOffset() {
        return ThreadLocalRandom.current().nextLong(FILE_BYTES / blockBytes) * blockBytes;
    }

    @Benchmark
    public ByteBuffer cairnPread() throws IOException {
        backend.read(randomOffset(), buffer.clear());
        return buffer;
    }

    @Benchmark
    public ByteBuffer cairnPreadNoWait() throws IOException {
        backend.tryRead(randomOffset(), buffer.clear());
        return buffer;
    }

    @Benchmark
    public ByteBuffer jdkFileChannel() throws IOException {
        long at = randomOffset();
        buffer.clear();
        while (buffer.hasRemaining()) {
            channel.read(buffer, at + buffer.position());
        }
        return buffer;
    }
}
