package dev.cairn.drive.backend;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntPredicate;

/**
 * Models a drive with a volatile write cache, to test what survives a power loss.
 *
 * <p>Reads see every write. Only writes followed by a {@link #sync()} are durable; the others are
 * kept, in order, as pending mutations. {@link #crashImage} builds the drive as it could look after
 * a crash: the durable state plus any chosen subset of the pending mutations, one of which may be
 * torn (only a prefix of it reached the medium, in 512-byte sectors).
 */
public final class CrashingBackend implements DriveBackend {
    public static final int SECTOR = 512;

    /** A write ({@code data} present) or a zeroing ({@code data} empty) not yet synced. */
    private record Mutation(long position, long length, Optional<ByteBuffer> data) {
        /** Applies the first {@code bytes} bytes of this mutation. */
        void applyTo(MemoryBackend target, long bytes) {
            if (data.isEmpty()) {
                target.writeZeroes(position, bytes, true); // reads the same, and keeps images sparse
            } else {
                target.write(position, data.get().duplicate().limit((int) bytes));
            }
        }
    }

    private final MemoryBackend live;
    private MemoryBackend durable;
    private final List<Mutation> pending = new ArrayList<>();
    private Consumer<CrashingBackend> onMutation = b -> {};

    public CrashingBackend(MemoryBackend initial) {
        this.live = initial.copy();
        this.durable = initial.copy();
    }

    /**
     * Calls {@code listener} after every write or zeroing, while it is still pending: the moment
     * to take {@link #crashImage}s for "power lost during this write".
     */
    public synchronized void onMutation(Consumer<CrashingBackend> listener) {
        this.onMutation = listener;
    }

    /** Number of mutations since the last sync: the crash points a test can choose among. */
    public synchronized int pendingMutations() {
        return pending.size();
    }

    /** Length in bytes of pending mutation {@code index}. */
    public synchronized long pendingLength(int index) {
        return pending.get(index).length();
    }

    /**
     * The drive after a crash: durable state, plus pending mutations for which {@code persisted}
     * is true (applied in order), plus the first {@code tornBytes} bytes of mutation {@code torn}
     * (ignored when {@code torn} is negative).
     */
    public synchronized MemoryBackend crashImage(IntPredicate persisted, int torn, long tornBytes) {
        MemoryBackend image = durable.copy();
        for (int i = 0; i < pending.size(); i++) {
            Mutation m = pending.get(i);
            if (i == torn) {
                m.applyTo(image, Math.min(tornBytes, m.length()));
            } else if (persisted.test(i)) {
                m.applyTo(image, m.length());
            }
        }
        return image;
    }

    /** The drive as it would be if power were lost right now and no pending write survived. */
    public MemoryBackend durableImage() {
        return crashImage(i -> false, -1, 0);
    }

    @Override
    public long sizeBytes() {
        return live.sizeBytes();
    }

    @Override
    public synchronized void read(long position, ByteBuffer dst) {
        live.read(position, dst);
    }

    @Override
    public synchronized void write(long position, ByteBuffer src) {
        ByteBuffer data =
                ByteBuffer.allocate(src.remaining()).put(src.duplicate()).flip().asReadOnlyBuffer();
        live.write(position, src);
        pending.add(new Mutation(position, data.remaining(), Optional.of(data)));
        onMutation.accept(this);
    }

    @Override
    public synchronized void sync() {
        for (Mutation m : pending) {
            m.applyTo(durable, m.length());
        }
        pending.clear();
    }

    @Override
    public synchronized void discard(long position, long length) {
        writeZeroes(position, length, true);
    }

    @Override
    public synchronized void writeZeroes(long position, long length, boolean allowHole) {
        live.writeZeroes(position, length, allowHole);
        pending.add(new Mutation(position, length, Optional.empty()));
        onMutation.accept(this);
    }

    @Override
    public boolean zeroesFast() {
        return true;
    }

    @Override
    public String describe() {
        return "crash-simulating " + live.describe();
    }

    @Override
    public void close() {}
}
