package dev.cairn.control.erasure;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.PStoreLayout;
import dev.cairn.control.model.Volume;
import dev.cairn.control.rest.DkvViews;
import dev.cairn.control.state.ReplicatedState;
import dev.cairn.dkv.ControlledDkv;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The PStore layouts of erasure-coded volumes, as the controller reads and writes them: values in
 * the DKV under each PStore's key, through a DKV client of the controller's own, with a cache
 * (layouts change only through this controller, which writes through it; a new leader starts
 * empty and reads them again).
 */
public final class PStoreLayouts implements AutoCloseable {
    private final ControlledDkv dkv;
    private final Duration timeout;
    private final ConcurrentMap<Long, PStoreLayout> cache = new ConcurrentHashMap<>();

    public PStoreLayouts(ReplicatedState state, Duration timeout) {
        this.dkv =
                new ControlledDkv(() -> state.read(s -> DkvViews.of(s, true)), new SecureRandom().nextLong(), timeout);
        this.timeout = timeout;
    }

    /** The layout under {@code key}; an error says why it could not be read, or that there is none. */
    public PStoreLayout get(long key) throws IOException {
        PStoreLayout cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        Optional<byte[]> value = await(dkv.client().get(key), "read the layout of PStore key " + key);
        if (value.isEmpty()) {
            throw new IOException("the DKV holds no layout under PStore key " + key);
        }
        PStoreLayout layout;
        try {
            layout = PStoreLayout.decode(value.get());
        } catch (IllegalArgumentException e) {
            throw new IOException("the value under PStore key " + key + " is damaged: " + e.getMessage(), e);
        }
        cache.put(key, layout);
        return layout;
    }

    /** Every PStore layout of a volume, in order. */
    public List<PStoreLayout> of(ErasureLayout e) throws IOException {
        List<PStoreLayout> out = new ArrayList<>();
        for (int p = 0; p < e.pstores(); p++) {
            out.add(get(e.key(p)));
        }
        return out;
    }

    /**
     * The layouts of every erasure-coded volume of {@code s} whose creation is over and whose
     * layouts are all in this cache (the reprotect's passes keep it warm on the leader), by volume
     * id; without a read of the DKV.
     */
    public Map<UUID, List<PStoreLayout>> cached(ClusterState s) {
        Map<UUID, List<PStoreLayout>> out = new HashMap<>();
        for (Volume v : s.volumes().values()) {
            ErasureLayout e = v.erasure().orElse(null);
            if (e == null || !e.stored()) {
                continue;
            }
            List<PStoreLayout> pstores = new ArrayList<>();
            for (int p = 0; p < e.pstores(); p++) {
                PStoreLayout layout = cache.get(e.key(p));
                if (layout == null) {
                    break;
                }
                pstores.add(layout);
            }
            if (pstores.size() == e.pstores()) {
                out.put(v.id(), pstores);
            }
        }
        return out;
    }

    /** Writes {@code layout} under {@code key} (on every mirror of its shard) and caches it. */
    public void put(long key, PStoreLayout layout) throws IOException {
        await(dkv.client().put(key, layout.encode()), "store the layout of PStore key " + key);
        cache.put(key, layout);
    }

    /** Writes every layout of {@code updated} (all sent at once, then awaited) and caches them. */
    public void putAll(Map<Long, PStoreLayout> updated) throws IOException {
        Map<Long, CompletableFuture<Void>> sent = new LinkedHashMap<>();
        updated.forEach((key, layout) -> sent.put(key, dkv.client().put(key, layout.encode())));
        IOException failed = null;
        for (Map.Entry<Long, CompletableFuture<Void>> f : sent.entrySet()) {
            try {
                await(f.getValue(), "store the layout of PStore key " + f.getKey());
                cache.put(f.getKey(), updated.get(f.getKey()));
            } catch (IOException e) {
                failed = failed == null ? e : failed;
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    private <T> T await(CompletableFuture<T> request, String what) throws IOException {
        try {
            return request.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while trying to " + what);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new IOException("could not " + what + ": " + cause.getMessage(), cause);
        }
    }

    @Override
    public void close() {
        dkv.close();
    }
}
