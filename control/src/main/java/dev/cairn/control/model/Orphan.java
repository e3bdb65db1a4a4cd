package dev.cairn.control.model;

import java.util.Optional;
import java.util.UUID;

/**
 * An extent a node holds that the controller no longer wants.
 *
 * <p>Only an orphan the controller knew ({@code erase}: a leg of a deleted volume, or one the
 * operator asked to erase) is erased by its node; an extent the controller never knew (a node
 * from another cluster, a controller whose state was lost) is only reported, never erased on a
 * guess. An erasable orphan is gone once its node reports it absent after reconciling with the
 * desired state as of {@code sinceIndex} (so a creation still in flight cannot outlive it).
 *
 * <p>A BStore moved off its node while its volume is attached is {@code heldBy} that volume: its
 * agent reads and writes it until it has switched to the new BStore, so it is erased only once the
 * agent's report no longer names it (or the volume is detached, attached elsewhere or deleted).
 *
 * @param sinceIndex the log index at which it became an orphan (or became erasable)
 * @param heldBy the erasure-coded volume whose agent may still use it (then not erased)
 */
public record Orphan(
        UUID extentId,
        UUID nodeId,
        long sizeBytes,
        long sinceMillis,
        long sinceIndex,
        String reason,
        boolean erase,
        Optional<UUID> heldBy) {

    public Orphan {
        heldBy = heldBy == null ? Optional.empty() : heldBy; // orphans recorded before moves were held
    }

    /** An orphan no agent uses. */
    public Orphan(
            UUID extentId,
            UUID nodeId,
            long sizeBytes,
            long sinceMillis,
            long sinceIndex,
            String reason,
            boolean erase) {
        this(extentId, nodeId, sizeBytes, sinceMillis, sinceIndex, reason, erase, Optional.empty());
    }

    /** The same orphan, now to be erased. */
    public Orphan erasable(long atMillis, long logIndex, String why) {
        return new Orphan(extentId, nodeId, sizeBytes, atMillis, logIndex, reason + "; " + why, true);
    }

    /** Whether the agent serving volume {@code volumeId} may still use it. */
    public boolean heldBy(UUID volumeId) {
        return heldBy.filter(volumeId::equals).isPresent();
    }
}
