package dev.cairn.control.model;

import java.util.Optional;
import java.util.UUID;

/**
 * One full replica of a volume: an extent on one drive of one node, with the secret and generation
 * a client needs to open it.
 *
 * @param awaitingSync a leg added to an existing volume (a repair, a new replica, a drain) that has
 *     not yet been in sync: it holds nothing to read until its first full sync ends
 * @param missing why and since when the leg counts as missing, while it does
 * @param replacedBy the extent of the leg replacing this one (a drain): this one is removed once
 *     that one is in sync
 */
public record Leg(
        int index,
        UUID nodeId,
        UUID driveId,
        UUID extentId,
        long extentSizeBytes,
        long generation,
        String secret,
        LegState state,
        boolean awaitingSync,
        Optional<Missing> missing,
        Optional<UUID> replacedBy) {

    /** A leg placed at volume creation (all legs blank, so all in sync) or added ({@code awaitingSync}). */
    public static Leg placed(
            int index,
            UUID nodeId,
            UUID driveId,
            UUID extentId,
            long extentSizeBytes,
            long generation,
            String secret,
            boolean awaitingSync) {
        return new Leg(
                index,
                nodeId,
                driveId,
                extentId,
                extentSizeBytes,
                generation,
                secret,
                LegState.CREATING,
                awaitingSync,
                Optional.empty(),
                Optional.empty());
    }

    public Leg withState(LegState newState) {
        return new Leg(
                index,
                nodeId,
                driveId,
                extentId,
                extentSizeBytes,
                generation,
                secret,
                newState,
                awaitingSync,
                missing,
                replacedBy);
    }

    public Leg withGeneration(long newGeneration) {
        return new Leg(
                index,
                nodeId,
                driveId,
                extentId,
                extentSizeBytes,
                newGeneration,
                secret,
                state,
                awaitingSync,
                missing,
                replacedBy);
    }

    /** Its first sync ended: it holds every acknowledged write. */
    public Leg synced() {
        return new Leg(
                index,
                nodeId,
                driveId,
                extentId,
                extentSizeBytes,
                generation,
                secret,
                state,
                false,
                missing,
                replacedBy);
    }

    public Leg withMissing(Optional<Missing> newMissing) {
        return new Leg(
                index,
                nodeId,
                driveId,
                extentId,
                extentSizeBytes,
                generation,
                secret,
                state,
                awaitingSync,
                newMissing,
                replacedBy);
    }

    public Leg withReplacedBy(Optional<UUID> newReplacedBy) {
        return new Leg(
                index,
                nodeId,
                driveId,
                extentId,
                extentSizeBytes,
                generation,
                secret,
                state,
                awaitingSync,
                missing,
                newReplacedBy);
    }

    /** Stays in the volume: not on its way out behind a replacement. */
    public boolean staying() {
        return replacedBy.isEmpty();
    }
}
