package dev.cairn.control.placement;

import dev.cairn.control.model.Limits;
import java.util.Comparator;
import java.util.UUID;

/**
 * A drive of an online node as placement sees it: usable capacity (its data area less the spare
 * reserve) and free bytes (less what placed legs and unreclaimed extents take).
 */
record Slot(UUID nodeId, UUID driveId, long capacityBytes, long freeBytes) {
    /** Fullest-last: highest free fraction first, then most free bytes, then drive id. */
    static final Comparator<Slot> BEST_FIRST = Comparator.comparingDouble(Slot::freeFraction)
            .reversed()
            .thenComparing(Comparator.comparingLong(Slot::freeBytes).reversed())
            .thenComparing(Slot::driveId);

    double freeFraction() {
        return capacityBytes == 0 ? 0 : (double) Math.max(freeBytes, 0) / capacityBytes;
    }

    Slot minus(long bytes) {
        return new Slot(nodeId, driveId, capacityBytes, Limits.addSaturated(freeBytes, -bytes));
    }
}
