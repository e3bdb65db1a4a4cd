package dev.cairn.dkv;

import dev.cairn.control.api.Views;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A DKV client as the controller's clients use it (the controller itself, the agent, the CLI): the
 * layout from the controller's layout route, kept until a mirror says it is stale, and every mirror
 * reached over NBD at the address and with the secret that layout gives.
 */
public final class ControlledDkv implements AutoCloseable {
    private final AtomicReference<Views.DkvView> seen = new AtomicReference<>();
    private final ExecutorService fetcher = Executors.newVirtualThreadPerTaskExecutor();
    private final Callable<Views.DkvView> fetch;
    private final NbdMirrors mirrors;
    private final DkvClient client;

    /**
     * A client whose layout {@code fetch} reads (a blocking call, made on a thread of its own), which
     * writes as {@code writer} (unique among the DKV's writers), with {@code timeout} on every NBD call.
     */
    public ControlledDkv(Callable<Views.DkvView> fetch, long writer, Duration timeout) {
        this(fetch, writer, timeout, DkvObserver.NONE);
    }

    /** As above, telling {@code observer} of the client's work (for metrics: {@link DkvMeters}). */
    public ControlledDkv(Callable<Views.DkvView> fetch, long writer, Duration timeout, DkvObserver observer) {
        this.fetch = fetch;
        this.mirrors = new NbdMirrors(new ViewLocator(), timeout);
        LayoutCache layouts = new LayoutCache(() -> CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return layout(remember(fetch.call()));
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                },
                fetcher));
        this.client = new DkvClient(layouts, mirrors, writer, observer);
    }

    public DkvClient client() {
        return client;
    }

    /**
     * Recovers shard {@code shard} of the layout {@code view} (see {@link DkvClient#recover}):
     * completes with the number of slots written.
     */
    public CompletableFuture<Long> recover(Views.DkvView view, int shard) {
        remember(view);
        return client.recover(layout(view), shard);
    }

    /**
     * What each mirror of {@code key}'s shard holds for it, read under the layout last fetched (a
     * check that the mirrors agree; a get is how a value is read).
     */
    public CompletableFuture<List<SlotRead>> everyMirror(long key) {
        Views.DkvView v = seen.get();
        if (v == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("no layout fetched yet"));
        }
        Layout l = layout(v);
        List<CompletableFuture<SlotRead>> reads = l.shardOf(key).mirrors().stream()
                .map(m -> mirrors.open(m, l.epoch())
                        .read(l.slotOf(key, m), 1)
                        .thenApply(block -> SlotCodec.decode(block, key)))
                .toList();
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
                .thenApply(x -> reads.stream().map(CompletableFuture::join).toList());
    }

    /** The layout last fetched, if one was. */
    public Optional<Views.DkvView> lastSeen() {
        return Optional.ofNullable(seen.get());
    }

    private Views.DkvView remember(Views.DkvView v) {
        seen.accumulateAndGet(v, (old, fresh) -> old == null || fresh.epoch() >= old.epoch() ? fresh : old);
        return v;
    }

    /** The data path's layout for the controller's view of it. */
    public static Layout layout(Views.DkvView v) {
        List<Layout.Shard> shards = v.shards().stream()
                .map(s -> new Layout.Shard(
                        s.index(),
                        s.mirrors().stream()
                                .map(m -> new Layout.Mirror(m.extentId(), 0, m.ready()))
                                .toList()))
                .toList();
        return new Layout(v.epoch(), v.firstKey(), v.slotsPerShard(), shards);
    }

    /** Where each mirror of the layout last seen is, and what opens it. */
    private final class ViewLocator implements NbdMirrors.Locator {
        /**
         * Asked when a connection to a KV volume is (re)opened: the layout is fetched again first,
         * since its node may serve it at another address now (restarted on another port) without
         * the epoch changing; the last one seen serves when the fetch fails.
         */
        @Override
        public SocketAddress address(UUID volume) {
            try {
                remember(fetch.call());
            } catch (Exception ignored) {
                // the layout last seen: where the volume was
            }
            String at = mirror(volume).nbdAddress();
            int colon = at.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalStateException("KV volume " + volume + "'s node has no NBD address yet");
            }
            return new InetSocketAddress(at.substring(0, colon), Integer.parseInt(at.substring(colon + 1)));
        }

        @Override
        public String exportName(UUID volume, long epoch) {
            String secret = mirror(volume)
                    .secret()
                    .orElseThrow(() -> new IllegalStateException("the layout carries no secret for KV volume " + volume
                            + ": it needs the admin or node token"));
            return volume + ";gen=" + epoch + ";key=" + secret;
        }

        private Views.DkvMirrorView mirror(UUID volume) {
            return Optional.ofNullable(seen.get()).stream()
                    .flatMap(v -> v.shards().stream())
                    .flatMap(s -> s.mirrors().stream())
                    .filter(m -> m.extentId().equals(volume))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("KV volume " + volume + " is not in the layout"));
        }
    }

    @Override
    public void close() {
        mirrors.close();
        fetcher.shutdownNow();
    }
}
