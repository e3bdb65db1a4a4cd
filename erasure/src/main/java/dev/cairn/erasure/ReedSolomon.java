package dev.cairn.erasure;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Reed-Solomon code of {@code k} data shards and {@code m} parity shards over GF(2^8): any k of
 * the k + m shards give back the others. The generator is ISA-L's {@code gf_gen_cauchy1_matrix}
 * (identity, then Cauchy rows), so parity is byte for byte what ISA-L's {@code ec_encode_data}
 * computes with it. Immutable and thread-safe.
 *
 * <p>Shards are {@link ByteBuffer}s, heap or direct: the bytes between position and limit. Every
 * input shard has the same length, any length; an output needs room for that many bytes from its
 * position. Positions and limits are left as they were. A call with bad arguments throws {@link
 * IllegalArgumentException} saying what was wrong before it writes anything.
 */
public final class ReedSolomon {
    /** Shards a code may have: GF(2^8) has 255 distinct non-zero rows for the Cauchy matrix. */
    public static final int MAX_SHARDS = 255;

    /** Erasure patterns whose decoding matrices are kept; more are computed again. */
    private static final int DECODERS_KEPT = 4096;

    private final int k;
    private final int m;
    private final Kernel kernel;
    private final byte[][] generator;
    private final Kernel.Product encoder;
    private final Map<Pattern, Kernel.Product> decoders = new ConcurrentHashMap<>();

    private ReedSolomon(int k, int m, Kernel kernel) {
        this.k = k;
        this.m = m;
        this.kernel = kernel;
        this.generator = Matrix.cauchy(k, m);
        this.encoder = kernel.prepare(Arrays.copyOfRange(generator, k, k + m));
    }

    /** The code with {@code k} data and {@code m} parity shards, on this JVM's best kernel. */
    public static ReedSolomon of(int k, int m) {
        return of(k, m, Kernels.chosen());
    }

    private static volatile boolean warm;

    /**
     * Gets this JVM's kernel compiled before it has real work: a daemon that decodes only now and
     * then (a node rebuilding a BStore) would otherwise run its first megabytes interpreted, where
     * the Vector API is hundreds of times slower. Many tiny calls are enough for the JIT to
     * compile the loops; the first caller does it (well under a second), the others return at once.
     */
    public static void warmUp() {
        if (warm) {
            return;
        }
        synchronized (ReedSolomon.class) {
            if (warm) {
                return;
            }
            ReedSolomon rs = of(4, 2);
            Random random = new Random(1);
            ByteBuffer[] shards = new ByteBuffer[6];
            for (int i = 0; i < shards.length; i++) {
                byte[] b = new byte[256];
                random.nextBytes(b);
                shards[i] = ByteBuffer.wrap(b);
            }
            for (int i = 0; i < 20_000; i++) {
                rs.reconstruct(shards, i % 6, (i + 1) % 6);
            }
            warm = true;
        }
    }

    /** The code on the kernel {@code kind}, whatever this JVM would choose (benchmarks compare them). */
    public static ReedSolomon of(int k, int m, Kernels.Kind kind) {
        return of(k, m, kind.kernel());
    }

    static ReedSolomon of(int k, int m, Kernel kernel) {
        if (k < 1 || m < 1) {
            throw new IllegalArgumentException(
                    "a code needs at least 1 data shard and 1 parity shard, not " + k + "+" + m);
        }
        if (k + m > MAX_SHARDS) {
            throw new IllegalArgumentException(
                    k + "+" + m + " has " + (k + m) + " shards; a code over GF(2^8) has at most " + MAX_SHARDS);
        }
        return new ReedSolomon(k, m, kernel);
    }

    public int dataShards() {
        return k;
    }

    public int parityShards() {
        return m;
    }

    public int totalShards() {
        return k + m;
    }

    /** The kernel doing the work ("vector-128", "scalar"). */
    public String kernelName() {
        return kernel.name();
    }

    @Override
    public String toString() {
        return k + "+" + m;
    }

    /** Computes the {@code m} parity shards of the {@code k} data shards. */
    public void encode(ByteBuffer[] data, ByteBuffer[] parity) {
        int length = checkInputs(data, k, "data");
        checkOutputs(parity, m, "parity", length);
        encoder.apply(segments(data), segments(parity), length);
    }

    /**
     * Whether the parity of {@code shards} (data 0..k-1, then parity) is what the data gives. Reads
     * only; works through the shards in blocks, with a small buffer of its own.
     */
    public boolean verify(ByteBuffer[] shards) {
        int length = checkInputs(shards, k + m, "");
        MemorySegment[] all = segments(shards);
        MemorySegment[] data = Arrays.copyOfRange(all, 0, k);
        int block = Math.min(length, 64 * 1024);
        MemorySegment[] computed = new MemorySegment[m];
        for (int p = 0; p < m; p++) {
            computed[p] = MemorySegment.ofArray(new byte[block]);
        }
        for (long at = 0; at < length; at += block) {
            long n = Math.min(block, length - at);
            MemorySegment[] slice = new MemorySegment[k];
            for (int j = 0; j < k; j++) {
                slice[j] = data[j].asSlice(at, n);
            }
            encoder.apply(slice, computed, n);
            for (int p = 0; p < m; p++) {
                if (all[k + p].asSlice(at, n).mismatch(computed[p].asSlice(0, n)) != -1) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Rebuilds the shards numbered in {@code missing} (data 0..k-1, parity k..k+m-1) from the
     * others: {@code shards} holds all k + m, the missing ones being where to write. At most m may
     * be missing; the first k present ones are read, the other present ones not at all.
     */
    public void reconstruct(ByteBuffer[] shards, int... missing) {
        if (shards == null || shards.length != k + m) {
            throw new IllegalArgumentException("a " + this + " code has " + (k + m) + " shards, "
                    + (shards == null ? "none were" : shards.length + " were") + " given");
        }
        boolean[] lost = new boolean[k + m];
        for (int s : missing) {
            if (s < 0 || s >= k + m) {
                throw new IllegalArgumentException(
                        "shard " + s + " does not exist: a " + this + " code has shards 0 to " + (k + m - 1));
            }
            if (lost[s]) {
                throw new IllegalArgumentException("shard " + s + " is named twice among the missing");
            }
            lost[s] = true;
        }
        if (missing.length > m) {
            throw new IllegalArgumentException(missing.length + " shards missing, " + this + " tolerates " + m);
        }
        if (missing.length == 0) {
            return;
        }
        int[] present = new int[k];
        for (int s = 0, n = 0; n < k; s++) {
            if (!lost[s]) {
                present[n++] = s;
            }
        }
        int[] rebuilt = missing.clone();
        Arrays.sort(rebuilt);
        ByteBuffer[] in = new ByteBuffer[k];
        for (int j = 0; j < k; j++) {
            in[j] = shards[present[j]];
        }
        ByteBuffer[] out = new ByteBuffer[rebuilt.length];
        for (int r = 0; r < rebuilt.length; r++) {
            out[r] = shards[rebuilt[r]];
        }
        int length = checkInputs(in, k, "present", present);
        checkOutputs(out, rebuilt.length, "missing", length, rebuilt);
        decoder(new Pattern(present, rebuilt)).apply(segments(in), segments(out), length);
    }

    /** The shards read and the shards rebuilt, ascending: what a decoding matrix depends on. */
    private record Pattern(List<Integer> present, List<Integer> rebuilt) {
        Pattern(int[] present, int[] rebuilt) {
            this(
                    Arrays.stream(present).boxed().toList(),
                    Arrays.stream(rebuilt).boxed().toList());
        }
    }

    /**
     * The rows that give the rebuilt shards from the present ones: the inverse of the generator's
     * rows of the present shards gives the data back; a parity row times that inverse gives parity.
     */
    private Kernel.Product decoder(Pattern pattern) {
        Kernel.Product cached = decoders.get(pattern);
        if (cached != null) {
            return cached;
        }
        byte[][] survivors = new byte[k][];
        for (int j = 0; j < k; j++) {
            survivors[j] = generator[pattern.present().get(j)];
        }
        byte[][] inverse = Matrix.invert(survivors);
        byte[][] rows = new byte[pattern.rebuilt().size()][];
        for (int r = 0; r < rows.length; r++) {
            int s = pattern.rebuilt().get(r);
            rows[r] = s < k ? inverse[s].clone() : Matrix.times(generator[s], inverse);
        }
        Kernel.Product product = kernel.prepare(rows);
        if (decoders.size() >= DECODERS_KEPT) {
            decoders.clear();
        }
        decoders.put(pattern, product);
        return product;
    }

    private static MemorySegment[] segments(ByteBuffer[] buffers) {
        MemorySegment[] out = new MemorySegment[buffers.length];
        for (int i = 0; i < buffers.length; i++) {
            out[i] = MemorySegment.ofBuffer(buffers[i]);
        }
        return out;
    }

    /** Checks {@code count} input shards of one length; returns it. */
    private static int checkInputs(ByteBuffer[] shards, int count, String kind, int... numbers) {
        String what = kind.isEmpty() ? "shard" : kind + " shard";
        if (shards == null || shards.length != count) {
            throw new IllegalArgumentException("expected " + count + " " + what + "s, "
                    + (shards == null ? "none were" : shards.length + " were") + " given");
        }
        for (int i = 0; i < count; i++) {
            if (shards[i] == null) {
                throw new IllegalArgumentException(what + " " + number(numbers, i) + " is null");
            }
        }
        int length = shards[0].remaining();
        for (int i = 1; i < count; i++) {
            if (shards[i].remaining() != length) {
                throw new IllegalArgumentException("shards of different lengths: " + what + " "
                        + number(numbers, 0) + " has " + length + " bytes, " + what + " " + number(numbers, i)
                        + " has " + shards[i].remaining());
            }
        }
        return length;
    }

    private static void checkOutputs(ByteBuffer[] shards, int count, String kind, int length, int... numbers) {
        if (shards == null || shards.length != count) {
            throw new IllegalArgumentException("expected " + count + " " + kind + " shards, "
                    + (shards == null ? "none were" : shards.length + " were") + " given");
        }
        for (int i = 0; i < count; i++) {
            ByteBuffer b = shards[i];
            String name = kind + " shard " + number(numbers, i);
            if (b == null) {
                throw new IllegalArgumentException(name + " is null: it is where the shard is written");
            }
            if (b.isReadOnly()) {
                throw new IllegalArgumentException(name + " is a read-only buffer");
            }
            if (b.remaining() < length) {
                throw new IllegalArgumentException(name + " has room for " + b.remaining()
                        + " bytes after its position; the shards have " + length);
            }
        }
    }

    private static int number(int[] numbers, int i) {
        return numbers.length == 0 ? i : numbers[i];
    }
}
