package dev.cairn.control.model;

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
 * @param sinceIndex the log index at which it became an orphan (or became erasable)
 */
public record Orphan(
        UUID extentId, UUID nodeId, long sizeBytes, long sinceMillis, long sinceIndex, String reason, boolean erase) {

    /** The same orphan, now to be erased. */
    public Orphan erasable(long atMillis, long logIndex, String why) {
        return new Orphan(extentId, nodeId, sizeBytes, atMillis, logIndex, reason + "; " + why, true);
    }
}
