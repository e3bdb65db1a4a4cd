package dev.cairn.nbd.server;

import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.NbdException;
import dev.cairn.nbd.NbdProtocol;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A catalog of in-memory exports for server tests. Names of the form {@code name;key=secret} open a
 * protected export; a test can install a hook that runs before each operation (to delay or fail it).
 */
final class MemoryExports implements ExportCatalog, AutoCloseable {

    /** Runs before an operation on an export; may block or throw. */
    interface Hook {
        void before(String op, long offset, long length) throws IOException;
    }

    static final class Disk {
        final byte[] bytes;
        final String secret;
        final boolean readOnly;
        volatile Hook hook = (op, offset, length) -> {};
        volatile RequestObserver observer = RequestObserver.NONE;
        final AtomicInteger flushes = new AtomicInteger();
        final AtomicInteger openSessions = new AtomicInteger();

        Disk(int size, String secret, boolean readOnly) {
            this.bytes = new byte[size];
            this.secret = secret;
            this.readOnly = readOnly;
        }
    }

    final Map<String, Disk> disks = new ConcurrentHashMap<>();
    final ExecutorService workers = Executors.newFixedThreadPool(8);

    Disk add(String name, int size) {
        return add(name, size, "", false);
    }

    Disk add(String name, int size, String secret, boolean readOnly) {
        Disk d = new Disk(size, secret, readOnly);
        disks.put(name, d);
        return d;
    }

    @Override
    public List<Listing> list() {
        return disks.keySet().stream()
                .sorted()
                .map(n -> new Listing(n, "memory export " + n))
                .toList();
    }

    @Override
    public ExportLookup open(String requested) {
        String[] parts = requested.split(";key=", 2);
        Disk d = disks.get(parts[0]);
        if (d == null) {
            return new ExportLookup.Unknown("no export named '" + parts[0] + "'");
        }
        String key = parts.length > 1 ? parts[1] : "";
        if (!d.secret.equals(key)) {
            return new ExportLookup.Refused("export '" + parts[0] + "' needs its key");
        }
        d.openSessions.incrementAndGet();
        return new ExportLookup.Found(new Session(parts[0], d));
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }

    private final class Session implements ExportSession {
        private final String name;
        private final Disk d;

        Session(String name, Disk d) {
            this.name = name;
            this.d = d;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String description() {
            return "memory export " + name;
        }

        @Override
        public long sizeBytes() {
            return d.bytes.length;
        }

        @Override
        public ExportFeatures features() {
            return new ExportFeatures(d.readOnly, true, true, 1, 4096, ExportFeatures.MAX_PAYLOAD_BYTES);
        }

        @Override
        public java.util.concurrent.Executor executor() {
            return workers;
        }

        @Override
        public RequestObserver observer() {
            return d.observer;
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            d.hook.before("read", offset, dst.remaining());
            dst.put(d.bytes, (int) offset, dst.remaining());
        }

        @Override
        public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
            d.hook.before(fua ? "write-fua" : "write", offset, src.remaining());
            src.get(d.bytes, (int) offset, src.remaining());
        }

        @Override
        public void flush() throws IOException {
            d.hook.before("flush", 0, 0);
            d.flushes.incrementAndGet();
        }

        @Override
        public void trim(long offset, long length, boolean fua) throws IOException {
            d.hook.before("trim", offset, length);
            java.util.Arrays.fill(d.bytes, (int) offset, (int) (offset + length), (byte) 0);
        }

        @Override
        public void writeZeroes(long offset, long length, boolean mayTrim, boolean fua) throws IOException {
            d.hook.before(mayTrim ? "zero" : "zero-no-hole", offset, length);
            java.util.Arrays.fill(d.bytes, (int) offset, (int) (offset + length), (byte) 0);
        }

        @Override
        public List<BlockStatus> blockStatus(long offset, long length, int max) throws IOException {
            d.hook.before("status", offset, length);
            // 4 KiB granularity: an all-zero block reads as a zero hole
            List<BlockStatus> out = new ArrayList<>();
            long at = offset;
            long end = offset + length;
            while (at < end) {
                long blockEnd = Math.min(end, (at / 4096 + 1) * 4096);
                int flags = isZero(at, blockEnd) ? NbdProtocol.STATE_HOLE | NbdProtocol.STATE_ZERO : 0;
                if (!out.isEmpty() && out.getLast().flags() == flags) {
                    BlockStatus last = out.removeLast();
                    out.add(new BlockStatus(last.length() + blockEnd - at, flags));
                } else {
                    out.add(new BlockStatus(blockEnd - at, flags));
                }
                at = blockEnd;
            }
            return out.subList(0, Math.min(max, out.size()));
        }

        private boolean isZero(long from, long to) {
            for (long i = from; i < to; i++) {
                if (d.bytes[(int) i] != 0) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void close() {
            d.openSessions.decrementAndGet();
        }
    }

    static NbdException eio(String message) {
        return new NbdException(NbdProtocol.EIO, message);
    }
}
