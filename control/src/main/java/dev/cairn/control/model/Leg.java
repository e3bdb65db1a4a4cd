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
 * @param replacedBy the extent of the leg replacing this one: this one is removed (its extent an
 *     orphan its node erases) once that one is in sync, never before
 * @param kept replaced because it went missing (a repair, not a drain): its extent is kept, and
 *     written by nobody, until its replacement is in sync; if it comes back current enough to catch
 *     up (its header and the other legs' bitmaps say which regions it missed), it is taken back
 *     instead and its replacement cancelled. It does not count as in sync meanwhile.
 * @param behind the agent serving the volume reported it failed or resyncing: it missed writes,
 *     and counts as not in sync (also after the volume is detached, when nobody reports on it)
 *     until an agent reports it in sync again or its node finishes catching it up
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
        Optional<UUID> replacedBy,
        boolean kept,
        boolean behind) {

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
                Optional.empty(),
                false,
                false);
    }

    /** The same leg with an extent of {@code newSize} bytes (its volume growing). */
    public Leg withExtentSize(long newSize) {
        return new Leg(
                index,
                nodeId,
                driveId,
                extentId,
                newSize,
                generation,
                secret,
                state,
                awaitingSync,
                missing,
                replacedBy,
                kept,
                behind);
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
                replacedBy,
                kept,
                behind);
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
                replacedBy,
                kept,
                behind);
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
                replacedBy,
                kept,
                false);
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
                replacedBy,
                kept,
                behind);
    }

    /** Replaced by {@code newReplacedBy} (a drain: it stays in sync meanwhile), or staying again. */
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
                newReplacedBy,
                kept && newReplacedBy.isPresent(),
                behind);
    }

    /** Replaced by {@code replacement} after it went missing: kept, untouched, until that is in sync. */
    public Leg keptFor(UUID replacement) {
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
                Optional.of(replacement),
                true,
                behind);
    }

    /** Known to have missed writes (true), or known to hold every acknowledged write (false). */
    public Leg withBehind(boolean newBehind) {
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
                replacedBy,
                kept,
                newBehind);
    }

    /** Stays in the volume: not on its way out behind a replacement. */
    public boolean staying() {
        return replacedBy.isEmpty();
    }
}
