package dev.cairn.node;

import dev.cairn.control.api.Views;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * Whether this node may serve a KV volume now. A node linked to a controller serves only the KV
 * volumes its last desired state names, and only while it heard from the controller within the
 * lease the controller gives (shorter than the time after which the controller judges a silent node
 * offline and replaces its mirrors): so a node cut off from the controller stops serving KV I/O
 * before a client with an old layout could read a mirror replaced meanwhile, and a node that
 * restarts serves none until it has learned the current epoch. A node without a controller (a
 * standalone node, its KV volumes made through the admin API) serves every one.
 */
final class KvGate {
    private final boolean linked;
    private final LongSupplier nanoTime;
    private volatile Set<UUID> named = Set.of();
    private volatile long leaseNanos;
    private volatile long heardAt;
    private volatile boolean heard;

    private KvGate(boolean linked, LongSupplier nanoTime) {
        this.linked = linked;
        this.nanoTime = nanoTime;
    }

    /** A standalone node's: every KV volume is served. */
    static KvGate open() {
        return new KvGate(false, System::nanoTime);
    }

    /** A node linked to a controller, on the clock {@code nanoTime}. */
    static KvGate leased(LongSupplier nanoTime) {
        return new KvGate(true, nanoTime);
    }

    /** The controller took a heartbeat sent at {@code sentAtNanos} (of this gate's clock). */
    void heard(long sentAtNanos) {
        if (!heard || sentAtNanos - heardAt > 0) {
            heardAt = sentAtNanos;
            heard = true;
        }
    }

    /** The clock the gate reads (a heartbeat notes when it was sent on it). */
    long now() {
        return nanoTime.getAsLong();
    }

    /** A desired state arrived: its KV volumes, and the lease. */
    void desired(Views.DesiredView d) {
        named = d.extents().stream()
                .filter(e -> e.kind() == Views.ExtentKind.KV)
                .map(Views.DesiredExtent::id)
                .collect(Collectors.toUnmodifiableSet());
        leaseNanos = Math.max(0, d.kvLeaseMillis()) * 1_000_000;
    }

    /** Why KV volume {@code id} may not be served now, if it may not. */
    Optional<String> refusal(UUID id) {
        if (!linked) {
            return Optional.empty();
        }
        if (!named.contains(id)) {
            return Optional.of("KV volume " + id + " is not one the controller has this node serve now");
        }
        long since = nanoTime.getAsLong() - heardAt;
        if (!heard || since > leaseNanos) {
            return Optional.of("this node has not heard from the controller for "
                    + (heard ? since / 1_000_000 + " ms" : "a while")
                    + ", longer than its KV lease of " + leaseNanos / 1_000_000 + " ms: it serves no KV I/O until it"
                    + " does");
        }
        return Optional.empty();
    }
}
