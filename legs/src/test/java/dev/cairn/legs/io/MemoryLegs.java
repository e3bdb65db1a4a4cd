package dev.cairn.legs.io;

import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.NbdException;
import dev.cairn.nbd.NbdProtocol;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Legs in memory, standing in for storage nodes: each extent's bytes outlive connections (like a
 * node's drive), and each can be taken down (connects fail, open connections drop), made to hang
 * (requests never answer), or made to fail its writes or reads. Closing a connection fails every
 * request still open on it, as an NBD client does. Block status says "hole, zero" for a range of
 * zeroes, "data" for anything else.
 */
public final class MemoryLegs implements LegConnector {

    /** One extent and the faults it shows. */
    public static final class Extent {
        private final byte[] bytes;
        private volatile boolean down;
        private volatile boolean hang;
        private volatile boolean failWrites;
        private volatile boolean failReads;
        private volatile boolean fenced;
        private final AtomicInteger behindFor = new AtomicInteger();
        private volatile CompletableFuture<Void> writeGate = CompletableFuture.completedFuture(null);
        private volatile CompletableFuture<Void> readGate = CompletableFuture.completedFuture(null);
        final AtomicLong reads = new AtomicLong();
        final AtomicLong writtenBytes = new AtomicLong();
        final AtomicLong zeroedBytes = new AtomicLong();
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

        /** Fenced: every request is refused with EPERM, as a node that moved to a newer generation. */
        public void fence(boolean isFenced) {
            this.fenced = isFenced;
        }

        /** The next {@code connects} connections are refused as by a node that has not applied the new generation yet. */
        public void behindFor(int connects) {
            behindFor.set(connects);
        }

        public void failReads(boolean fails) {
            this.failReads = fails;
        }

        /** Writes wait for the returned gate (tests complete it). */
        public CompletableFuture<Void> holdWrites() {
            writeGate = new CompletableFuture<>();
            return writeGate;
        }

        /**
         * Writes at {@code offset} or later on the connections open now wait for the returned gate
         * (never answered unless tests complete it; closing the connection fails them unapplied):
         * a writer that dies with its writes in flight. Connections opened later write as usual.
         */
        public synchronized CompletableFuture<Void> holdWritesOfOpenConnections(long offset) {
            CompletableFuture<Void> gate = new CompletableFuture<>();
            for (Connection c : connections) {
                c.holdFrom = offset;
                c.heldWrites = gate;
            }
            return gate;
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

        /** Bytes written to this extent (writes that took effect, headers and bitmaps included). */
        public long writtenBytes() {
            return writtenBytes.get();
        }

        /** Bytes zeroed by write-zeroes or trim. */
        public long zeroedBytes() {
            return zeroedBytes.get();
        }

        /** Connections open now. */
        public synchronized int openConnections() {
            return connections.size();
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
        if (e.behindFor.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new IOException(target + ": this node " + LegTarget.NOT_YET_AT_GENERATION + " asked for");
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
        /** Requests not answered yet (held, hanging): closing the connection fails them. */
        private final Map<Long, CompletableFuture<?>> open = new ConcurrentHashMap<>();

        private final AtomicLong requests = new AtomicLong();
        private volatile long holdFrom;
        private volatile CompletableFuture<Void> heldWrites = CompletableFuture.completedFuture(null);

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
                return tracked(new CompletableFuture<>());
            }
            if (extent.fenced) {
                return CompletableFuture.failedFuture(
                        new NbdException(NbdProtocol.EPERM, "fenced: the extent is at a newer generation"));
            }
            if (failed) {
                return CompletableFuture.failedFuture(new IOException(what + " failed (injected)"));
            }
            return CompletableFuture.completedFuture(op.get());
        }

        /** A future that fails when the connection closes, if nothing answered it first. */
        private <T> CompletableFuture<T> tracked(CompletableFuture<T> answer) {
            CompletableFuture<T> out = new CompletableFuture<>();
            long id = requests.incrementAndGet();
            open.put(id, out);
            CompletableFuture<T> _ = answer.whenComplete((v, e) -> {
                if (e == null) {
                    out.complete(v);
                } else {
                    out.completeExceptionally(e);
                }
            });
            CompletableFuture<T> _ = out.whenComplete((v, e) -> open.remove(id));
            if (lost.isDone()) {
                out.completeExceptionally(new IOException("connection closed"));
            }
            return out;
        }

        @Override
        public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
            extent.reads.incrementAndGet();
            return tracked(extent.readGate.thenCompose(v -> answer(extent.failReads, "read", () -> {
                synchronized (extent) {
                    dst.duplicate().put(extent.bytes, (int) offset, dst.remaining());
                }
                return null;
            })));
        }

        @Override
        public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
            ByteBuffer copy = src.duplicate();
            CompletableFuture<Void> gate = offset >= holdFrom ? heldWrites : CompletableFuture.completedFuture(null);
            return tracked(CompletableFuture.allOf(gate, extent.writeGate)
                    .thenCompose(v -> answer(extent.failWrites, "write", () -> {
                        synchronized (extent) {
                            extent.writtenBytes.addAndGet(copy.remaining());
                            copy.get(extent.bytes, (int) offset, copy.remaining());
                        }
                        return null;
                    })));
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
            return tracked(extent.writeGate.thenCompose(v -> answer(extent.failWrites, "write-zeroes", () -> {
                synchronized (extent) {
                    extent.zeroedBytes.addAndGet(length);
                    java.util.Arrays.fill(extent.bytes, (int) offset, (int) (offset + length), (byte) 0);
                }
                return null;
            })));
        }

        @Override
        public CompletableFuture<List<BlockStatus>> blockStatus(long offset, long length) {
            return answer(false, "block status", () -> {
                synchronized (extent) {
                    for (long i = offset; i < offset + length; i++) {
                        if (extent.bytes[(int) i] != 0) {
                            return List.of(new BlockStatus(length, 0));
                        }
                    }
                }
                return List.of(new BlockStatus(length, NbdProtocol.STATE_HOLE | NbdProtocol.STATE_ZERO));
            });
        }

        @Override
        public CompletableFuture<?> lost() {
            return lost.copy();
        }

        @Override
        public void close() {
            lost.complete(null);
            List<CompletableFuture<?>> cut;
            cut = new ArrayList<>(open.values());
            cut.forEach(f -> f.completeExceptionally(new IOException("connection closed")));
            synchronized (extent) {
                extent.connections.remove(this);
            }
        }
    }
}
