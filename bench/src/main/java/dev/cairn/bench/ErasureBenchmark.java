package dev.cairn.bench;

import dev.cairn.erasure.Kernels;
import dev.cairn.erasure.ReedSolomon;
import dev.cairn.erasure.isal.IsaL;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
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
 * Cairn's codec, vector and scalar kernels, against ISA-L (libisal2 through FFM) on the same direct
 * buffers in the same run, one thread: encode (k data shards to m parity) and reconstruct (the first
 * m data shards lost, rebuilt from the k shards after them; the inverse is prepared outside the
 * measurement, as both keep it per erasure pattern). One operation is one stripe: its k data shards
 * of {@code shardBytes} ({@code bench/erasure.sh} turns that into GB/s of data).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ErasureBenchmark {
    @Param({"vector", "scalar", "isal"})
    String codec;

    @Param({"4+2", "6+3", "8+3", "10+4"})
    String code;

    @Param({"65536", "1048576"})
    int shardBytes;

    private int k;
    private int m;
    private ReedSolomon rs;
    private ByteBuffer[] data;
    private ByteBuffer[] parity;
    private ByteBuffer[] shards;
    private int[] lost;
    private Arena arena;
    private IsaL.Product isalEncode;
    private IsaL.Product isalDecode;

    @Setup(Level.Trial)
    public void setUp() {
        String[] km = code.split("\\+", -1);
        k = Integer.parseInt(km[0]);
        m = Integer.parseInt(km[1]);
        SplittableRandom random = new SplittableRandom(1);
        data = new ByteBuffer[k];
        for (int j = 0; j < k; j++) {
            data[j] = ByteBuffer.allocateDirect(shardBytes);
            byte[] bytes = new byte[shardBytes];
            random.nextBytes(bytes);
            data[j].put(0, bytes);
        }
        parity = new ByteBuffer[m];
        for (int p = 0; p < m; p++) {
            parity[p] = ByteBuffer.allocateDirect(shardBytes);
        }
        lost = new int[m];
        Arrays.setAll(lost, i -> i);
        if (codec.equals("isal")) {
            setUpIsaL();
            isalEncode.apply(shardBytes);
        } else {
            rs = ReedSolomon.of(k, m, codec.equals("vector") ? Kernels.Kind.VECTOR : Kernels.Kind.SCALAR);
            rs.encode(data, parity);
        }
        shards = new ByteBuffer[k + m];
        System.arraycopy(data, 0, shards, 0, k);
        System.arraycopy(parity, 0, shards, k, m);
    }

    /** ISA-L's encode tables, and its decode tables for the first m data shards lost. */
    private void setUpIsaL() {
        IsaL isal = IsaL.load().orElseThrow(() -> new IllegalStateException(IsaL.LIBRARY + " is not installed"));
        arena = Arena.ofConfined();
        MemorySegment[] in = segments(data);
        MemorySegment[] out = segments(parity);
        byte[] matrix = isal.cauchyMatrix(k, m);
        isalEncode = isal.prepare(Arrays.copyOfRange(matrix, k * k, matrix.length), k, in, out, arena);
        // Survivors: data shards m..k-1, then parity shards 0..m-1; their rows' inverse gives the data.
        byte[] survivors = new byte[k * k];
        MemorySegment[] present = new MemorySegment[k];
        for (int j = 0; j < k; j++) {
            int row = j + m;
            System.arraycopy(matrix, row * k, survivors, j * k, k);
            present[j] = row < k ? in[row] : out[row - k];
        }
        byte[] inverse = isal.invert(survivors, k);
        MemorySegment[] rebuilt = new MemorySegment[m];
        for (int r = 0; r < m; r++) {
            rebuilt[r] = arena.allocate(shardBytes, 64);
        }
        isalDecode = isal.prepare(Arrays.copyOf(inverse, m * k), k, present, rebuilt, arena);
    }

    private static MemorySegment[] segments(ByteBuffer[] buffers) {
        return Arrays.stream(buffers).map(MemorySegment::ofBuffer).toArray(MemorySegment[]::new);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (arena != null) {
            arena.close();
        }
    }

    @Benchmark
    public void encode() {
        if (isalEncode != null) {
            isalEncode.apply(shardBytes);
        } else {
            rs.encode(data, parity);
        }
    }

    /** Rebuilds the first m data shards in place (they hold the same bytes again afterwards). */
    @Benchmark
    public void reconstruct() {
        if (isalDecode != null) {
            isalDecode.apply(shardBytes);
        } else {
            rs.reconstruct(shards, lost);
        }
    }
}
