package dev.cairn.control.model;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A logical block device: a stable id, a name, a size, a class and its legs; the host it is
 * attached to, if any, and while attached the last report of the agent serving it.
 *
 * <p>Invariant: a report exists only with an attachment, and has its generation. {@code
 * repairNote}: why a repair the volume needs cannot proceed yet (no valid place for a new leg,
 * syncs throttled, no in-sync leg to copy from), while that is so.
 */
public record Volume(
        UUID id,
        String name,
        long sizeBytes,
        String className,
        VolumeState state,
        long createdAtMillis,
        List<Leg> legs,
        Optional<Attachment> attachment,
        Optional<VolumeReport> report,
        Optional<String> repairNote,
        Optional<ErasureLayout> erasure) {

    public static final long BLOCK = 4096;
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    public Volume {
        legs = List.copyOf(legs);
        erasure = erasure == null ? Optional.empty() : erasure; // volumes stored before erasure coding
    }

    /** A new volume: not attached. */
    public Volume(
            UUID id,
            String name,
            long sizeBytes,
            String className,
            VolumeState state,
            long createdAtMillis,
            List<Leg> legs) {
        this(
                id,
                name,
                sizeBytes,
                className,
                state,
                createdAtMillis,
                legs,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
    }

    /** A volume name: letters, digits, '.', '_', '-', up to 63; never a UUID (ids are looked up first). */
    public static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("volume name '" + name
                    + "' must be letters, digits, '.', '_' or '-' (up to 63, not starting with" + " a symbol)");
        }
        if (CanonicalId.matches(name)) {
            throw new IllegalArgumentException(
                    "volume name '" + name + "' is a UUID, which would read as a volume id; choose another name");
        }
    }

    public static void checkSize(long sizeBytes) {
        if (sizeBytes <= 0) {
            throw new IllegalArgumentException("volume size must be positive, got " + sizeBytes);
        }
        if (sizeBytes % BLOCK != 0) {
            throw new IllegalArgumentException("volume size " + sizeBytes + " is not a multiple of " + BLOCK);
        }
        if (sizeBytes > Limits.MAX_VOLUME_BYTES) {
            throw new IllegalArgumentException("volume size " + sizeBytes
                    + " is larger than the largest a volume may be, " + Limits.MAX_VOLUME_BYTES + " (64 TiB)");
        }
    }

    public Volume withLegs(List<Leg> newLegs, VolumeState newState) {
        return new Volume(
                id,
                name,
                sizeBytes,
                className,
                newState,
                createdAtMillis,
                newLegs,
                attachment,
                report,
                repairNote,
                erasure);
    }

    /** Attached (again) with {@code newLegs} at the attachment's generation; no report yet. */
    public Volume attached(Attachment to, List<Leg> newLegs) {
        return new Volume(
                id,
                name,
                sizeBytes,
                className,
                state,
                createdAtMillis,
                newLegs,
                Optional.of(to),
                Optional.empty(),
                repairNote,
                erasure);
    }

    /** Not attached any more; {@code newLegs} carry a generation no agent holds. */
    public Volume detached(List<Leg> newLegs) {
        return new Volume(
                id,
                name,
                sizeBytes,
                className,
                state,
                createdAtMillis,
                newLegs,
                Optional.empty(),
                Optional.empty(),
                repairNote,
                erasure);
    }

    public Volume withReport(VolumeReport newReport) {
        return new Volume(
                id,
                name,
                sizeBytes,
                className,
                state,
                createdAtMillis,
                legs,
                attachment,
                Optional.of(newReport),
                repairNote,
                erasure);
    }

    /** The same volume, grown to {@code newSize} (its legs already hold it). */
    public Volume withSize(long newSize) {
        return new Volume(
                id, name, newSize, className, state, createdAtMillis, legs, attachment, report, repairNote, erasure);
    }

    public Volume withRepairNote(Optional<String> note) {
        return new Volume(
                id, name, sizeBytes, className, state, createdAtMillis, legs, attachment, report, note, erasure);
    }

    /** The same volume with another erasure layout, in state {@code newState}. */
    public Volume withErasure(ErasureLayout layout, VolumeState newState) {
        return new Volume(
                id,
                name,
                sizeBytes,
                className,
                newState,
                createdAtMillis,
                legs,
                attachment,
                report,
                repairNote,
                Optional.of(layout));
    }

    /** The leg with this extent, if the volume has it. */
    public Optional<Leg> leg(UUID extentId) {
        return legs.stream().filter(l -> l.extentId().equals(extentId)).findFirst();
    }

    /**
     * The highest generation any leg has (a leg added now opens with it); an erasure-coded volume's
     * is its layout's.
     */
    public long generation() {
        return erasure.map(ErasureLayout::generation)
                .orElseGet(() -> legs.stream().mapToLong(Leg::generation).max().orElse(0));
    }
}
