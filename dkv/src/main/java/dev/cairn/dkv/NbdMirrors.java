package dev.cairn.dkv;

import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.BitSet;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The mirrors of a DKV client reached over NBD: one connection per KV volume and epoch, opened at
 * its first use and opened again once lost; connections of older epochs are closed when a newer
 * one opens. Where a KV volume is (its node's NBD address and the export name for an epoch) comes
 * from a {@link Locator}, which the controller's layout feeds.
 */
public final class NbdMirrors implements MirrorConnector, AutoCloseable {
    private final Locator locator;
    private final Duration timeout;
    private final Map<UUID, NbdKvVolume> open = new ConcurrentHashMap<>();
    private final Map<UUID, Long> epochs = new ConcurrentHashMap<>();
    private final Map<UUID, NbdKvVolume> retired = new ConcurrentHashMap<>();
    private final Map<UUID, Object> locks = new ConcurrentHashMap<>();

    /**
     * Where a KV volume is served, and the export name that opens it under an epoch; either may
     * throw (an unchecked exception) when it does not know, which makes the mirror unavailable.
     */
    public interface Locator {
        SocketAddress address(UUID volume);

        String exportName(UUID volume, long epoch);
    }

    public NbdMirrors(Locator locator, Duration timeout) {
        this.locator = locator;
        this.timeout = timeout;
    }

    @Override
    public KvVolume open(Layout.Mirror mirror, long epoch) {
        return new KvVolume() {
            @Override
            public long slots() {
                try {
                    return connection(mirror.volume(), epoch).slots();
                } catch (DkvException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public CompletableFuture<ByteBuffer> read(long first, int count) {
                try {
                    return connection(mirror.volume(), epoch).read(first, count);
                } catch (DkvException e) {
                    return CompletableFuture.failedFuture(e);
                }
            }

            @Override
            public CompletableFuture<Void> write(long slot, ByteBuffer block, boolean durable) {
                try {
                    return connection(mirror.volume(), epoch).write(slot, block, durable);
                } catch (DkvException e) {
                    return CompletableFuture.failedFuture(e);
                }
            }

            @Override
            public CompletableFuture<BitSet> written(long first, int count) {
                try {
                    return connection(mirror.volume(), epoch).written(first, count);
                } catch (DkvException e) {
                    return CompletableFuture.failedFuture(e);
                }
            }
        };
    }

    /** The open connection to {@code volume} under {@code epoch}, opened (again) if there is none. */
    private NbdKvVolume connection(UUID volume, long epoch) throws DkvException {
        synchronized (lockOf(volume)) {
            NbdKvVolume v = open.get(volume);
            long at = epochs.getOrDefault(volume, -1L);
            if (v != null && at == epoch && !v.lost()) {
                return v;
            }
            if (epoch < at) {
                throw new DkvException.StaleEpoch(
                        "KV volume " + volume + " is already used under epoch " + at + ", newer than " + epoch);
            }
            SocketAddress address;
            String export;
            try {
                address = locator.address(volume);
                export = locator.exportName(volume, epoch);
            } catch (RuntimeException e) {
                throw new DkvException.MirrorUnavailable("KV volume " + volume + ": " + e.getMessage(), e);
            }
            NbdKvVolume fresh = NbdKvVolume.connect(address, export, timeout, "KV volume " + volume);
            // The connection of the older epoch is kept until the next change, so that what it has in
            // flight is answered by the node (EPERM once fenced: a stale epoch, which is retried)
            // rather than cut short.
            NbdKvVolume older = v == null ? null : retired.put(volume, v);
            if (older != null) {
                older.close();
            }
            open.put(volume, fresh);
            epochs.put(volume, epoch);
            return fresh;
        }
    }

    private Object lockOf(UUID volume) {
        return locks.computeIfAbsent(volume, x -> new Object());
    }

    @Override
    public void close() {
        open.values().forEach(NbdKvVolume::close);
        retired.values().forEach(NbdKvVolume::close);
        open.clear();
        retired.clear();
    }
}
