package dev.cairn.agent.leg;

import dev.cairn.nbd.BlockStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Legs in memory, standing in for storage nodes: each extent's bytes outlive connections (like a
 * node's drive), and each can be taken down (connects fail, open connections drop), made to hang
 * (requests never answer), or made to fail its writes or reads.
 */
public final class MemoryLegs implements LegConnector {

    /** One extent and the faults it shows. */
    public static final class Extent {
        private final byte[] bytes;
        private volatile boolean down;
        private volatile boolean hang;
        private volatile boolean failWrites;
        private volatile boolean failReads;
        private volatile CompletableFuture<Void> writeGate = CompletableFuture.completedFuture(null);
        private volatile CompletableFuture<Void> readGate = CompletableFuture.completedFuture(null);
        final AtomicLong reads = new AtomicLong();
        private final List<Connection> connections = new ArrayList<>();

        Extent(long size) {
            this.bytes = new byte[Math.toIntExact(size)];
        }

        public synchronized byte[] snapshot(long offset, int length) {
            byte[] out = new byte[length];
            System.arraycopy(bytes, (int) offset, out, 0, length);
            return out;
        }

        /** Down: connections drop, new ones are refused. Up again: the bytes are still there. */
        public void down(boolean isDown) {
            this.down = isDown;
            if (isDown) {
                List<Connection> open;
                synchronized (this) {
                    open = new ArrayList<>(connections);
                }
                open.forEach(Connection::close);
            }
        }

        public void hang(boolean hangs) {
            this.hang = hangs;
        }

        public void failWrites(boolean fails) {
            this.failWrites = fails;
        }

        public void failReads(boolean fails) {
            this.failReads = fails;
        }

        /** Writes wait for the returned gate (tests complete it). */
        public CompletableFuture<Void> holdWrites() {
            writeGate = new CompletableFuture<>();
            return writeGate;
        }

        /** Reads wait for the returned gate (tests complete it). */
        public CompletableFuture<Void> holdReads() {
            readGate = new CompletableFuture<>();
            return readGate;
        }

        /** Reads this extent answered or holds. */
        public long reads() {
            return reads.get();
        }
    }

    private final Map<UUID, Extent> extents = new ConcurrentHashMap<>();

    public Extent extent(UUID id, long size) {
        return extents.computeIfAbsent(id, k -> new Extent(size));
    }

    public Extent extent(UUID id) {
        return extents.get(id);
    }

    public static LegTarget target(int index, UUID extentId, long size) {
        return new LegTarget(
                index, extentId, UUID.randomUUID(), InetSocketAddress.createUnresolved("mem", index), "m", size);
    }

    @Override
    public LegIo connect(LegTarget target) throws IOException {
        Extent e = extent(target.extentId(), target.extentSizeBytes());
        if (e.down) {
            throw new IOException(target + " is down");
        }
        Connection c = new Connection(e);
        synchronized (e) {
            e.connections.add(c);
        }
        return c;
    }

    private final class Connection implements LegIo {
        private final Extent extent;
        private final CompletableFuture<Void> lost = new CompletableFuture<>();
        private final List<CompletableFuture<?>> hanging = new ArrayList<>();

        Connection(Extent extent) {
            this.extent = extent;
        }

        @Override
        public long sizeBytes() {
            return extent.bytes.length;
        }

        private <T> CompletableFuture<T> answer(boolean failed, String what, java.util.function.Supplier<T> op) {
            if (lost.isDone()) {
                return CompletableFuture.failedFuture(new IOException("connection lost"));
            }
            if (extent.hang) {
                CompletableFuture<T> never = new CompletableFuture<>();
                synchronized (this) {
                    hanging.add(never);
                }
                return never;
            }
            if (failed) {
                return CompletableFuture.failedFuture(new IOException(what + " failed (injected)"));
            }
            return CompletableFuture.completedFuture(op.get());
        }

        @Override
        public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
            extent.reads.incrementAndGet();
            return extent.readGate.thenCompose(v -> answer(extent.failReads, "read", () -> {
                synchronized (extent) {
                    dst.duplicate().put(extent.bytes, (int) offset, dst.remaining());
                }
                return null;
            }));
        }

        @Override
        public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
            ByteBuffer copy = src.duplicate();
            return extent.writeGate.thenCompose(v -> answer(extent.failWrites, "write", () -> {
                synchronized (extent) {
                    copy.get(extent.bytes, (int) offset, copy.remaining());
                }
                return null;
            }));
        }

        @Override
        public CompletableFuture<Void> flush() {
            return answer(false, "flush", () -> null);
        }

        @Override
        public CompletableFuture<Void> trim(long offset, long length) {
            return writeZeroes(offset, length, true);
        }

        @Override
        public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayTrim) {
            return answer(extent.failWrites, "write-zeroes", () -> {
                synchronized (extent) {
                    java.util.Arrays.fill(extent.bytes, (int) offset, (int) (offset + length), (byte) 0);
                }
                return null;
            });
        }

        @Override
        public CompletableFuture<List<BlockStatus>> blockStatus(long offset, long length) {
            return answer(false, "block status", () -> List.of(new BlockStatus(length, 0)));
        }

        @Override
        public CompletableFuture<?> lost() {
            return lost.copy();
        }

        @Override
        public void close() {
            lost.complete(null);
            List<CompletableFuture<?>> cut;
            synchronized (this) {
                cut = new ArrayList<>(hanging);
            }
            cut.forEach(f -> f.completeExceptionally(new IOException("connection closed")));
            synchronized (extent) {
                extent.connections.remove(this);
            }
        }
    }
}
