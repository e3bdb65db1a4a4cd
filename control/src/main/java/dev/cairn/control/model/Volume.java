package dev.cairn.control.model;

import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/** A logical block device: a stable id, a name, a size, a class and its legs. */
public record Volume(
        UUID id,
        String name,
        long sizeBytes,
        String className,
        VolumeState state,
        long createdAtMillis,
        List<Leg> legs) {

    public static final long BLOCK = 4096;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    public Volume {
        legs = List.copyOf(legs);
    }

    public static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("volume name '" + name
                    + "' must be letters, digits, '.', '_' or '-' (up to 63, not starting with" + " a symbol)");
        }
    }

    public static void checkSize(long sizeBytes) {
        if (sizeBytes <= 0) {
            throw new IllegalArgumentException("volume size must be positive, got " + sizeBytes);
        }
        if (sizeBytes % BLOCK != 0) {
            throw new IllegalArgumentException("volume size " + sizeBytes + " is not a multiple of " + BLOCK);
        }
    }

    public Volume withLegs(List<Leg> newLegs, VolumeState newState) {
        return new Volume(id, name, sizeBytes, className, newState, createdAtMillis, newLegs);
    }
}
