package dev.cairn.control.model;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The rebalance as the replicated state holds it (DESIGN.md section 6): whether the operator paused
 * it, the spread of the drives' fill fractions it keeps the cluster within, and what it has moved.
 *
 * @param paused no new move starts (moves already started finish)
 * @param spread the largest spread of the drives' fill fractions (0.05: 5 points) left alone
 * @param moves moves finished since the cluster began
 * @param bytesMoved their bytes
 * @param moving the new extents of moves started and not yet finished, with their bytes
 */
public record RebalanceState(boolean paused, double spread, long moves, long bytesMoved, Map<UUID, Long> moving) {
    /** Five points of spread, the default. */
    public static final double DEFAULT_SPREAD = 0.05;

    /** The smallest spread one may ask for: half a point (drives never fill more evenly than their extents). */
    public static final double MIN_SPREAD = 0.005;

    /** The largest: half the capacity. */
    public static final double MAX_SPREAD = 0.5;

    public RebalanceState {
        moving = Map.copyOf(new TreeMap<>(moving));
        if (!(spread >= MIN_SPREAD && spread <= MAX_SPREAD)) {
            throw new IllegalArgumentException(
                    "the rebalance spread must be from " + MIN_SPREAD + " to " + MAX_SPREAD + ", got " + spread);
        }
    }

    public static RebalanceState initial() {
        return new RebalanceState(false, DEFAULT_SPREAD, 0, 0, Map.of());
    }

    public RebalanceState withPaused(boolean p) {
        return new RebalanceState(p, spread, moves, bytesMoved, moving);
    }

    public RebalanceState withSpread(double s) {
        return new RebalanceState(paused, s, moves, bytesMoved, moving);
    }

    /** A move into {@code extent}, of {@code bytes}, started. */
    public RebalanceState started(UUID extent, long bytes) {
        Map<UUID, Long> m = new TreeMap<>(moving);
        m.put(extent, bytes);
        return new RebalanceState(paused, spread, moves, bytesMoved, m);
    }

    /** The move into {@code extent} (if it is one) finished: its bytes count as moved. */
    public RebalanceState finished(UUID extent) {
        Long bytes = moving.get(extent);
        if (bytes == null) {
            return this;
        }
        Map<UUID, Long> m = new TreeMap<>(moving);
        m.remove(extent);
        return new RebalanceState(paused, spread, moves + 1, Limits.addSaturated(bytesMoved, bytes), m);
    }

    /** Forgets moves whose new extent is not among {@code filling} any more (a volume deleted meanwhile). */
    public RebalanceState keepingOnly(Set<UUID> filling) {
        Map<UUID, Long> m = new TreeMap<>(moving);
        m.keySet().retainAll(filling);
        return m.size() == moving.size() ? this : new RebalanceState(paused, spread, moves, bytesMoved, m);
    }
}
