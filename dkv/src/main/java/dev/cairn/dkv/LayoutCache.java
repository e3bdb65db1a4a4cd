package dev.cairn.dkv;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The layout a DKV client uses: fetched once, kept, and fetched again when a mirror says it is
 * stale. Fetching is the caller's (the controller's layout route); a fetch that does not bring a
 * newer epoch fails the operation as stale rather than waiting.
 */
public final class LayoutCache implements LayoutSource {
    private final Supplier<CompletableFuture<Layout>> fetch;
    private final AtomicReference<Layout> kept = new AtomicReference<>();

    public LayoutCache(Supplier<CompletableFuture<Layout>> fetch) {
        this.fetch = fetch;
    }

    @Override
    public CompletableFuture<Layout> current() {
        Layout l = kept.get();
        return l != null ? CompletableFuture.completedFuture(l) : fetch.get().thenApply(this::keep);
    }

    @Override
    public CompletableFuture<Layout> newerThan(long epoch) {
        Layout l = kept.get();
        if (l != null && l.epoch() > epoch) {
            return CompletableFuture.completedFuture(l);
        }
        return fetch.get().thenCompose(fetched -> {
            Layout newest = keep(fetched);
            return newest.epoch() > epoch
                    ? CompletableFuture.completedFuture(newest)
                    : CompletableFuture.failedFuture(new DkvException.StaleEpoch("a mirror is past epoch " + epoch
                            + " but the layout fetched is still at " + newest.epoch()));
        });
    }

    /** Keeps {@code l} unless a newer one is kept already; returns the newest. */
    private Layout keep(Layout l) {
        return kept.accumulateAndGet(l, (old, fresh) -> old == null || fresh.epoch() > old.epoch() ? fresh : old);
    }
}
