package dev.cairn.control.model;

import dev.cairn.control.api.Label;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A protection policy: how many legs (or, with {@code erasure}, which erasure code), spread across
 * distinct values of which label, an optional soft preference, how long a missing leg or BStore may
 * be gone before it is replaced, and the region size of the write-intent bitmap. An erasure-coded
 * class has no legs: {@code replicas} is 0; with {@code spareNode} it asks every drive to keep
 * sparing space for a whole lost node to be rebuilt, not only the largest drive ({@link
 * dev.cairn.control.placement.Sparing}).
 */
public record StorageClass(
        String name,
        int replicas,
        String spreadAcross,
        Optional<Label> prefer,
        Duration repairTimeout,
        long regionSizeBytes,
        boolean builtIn,
        Optional<ErasureCode> erasure,
        boolean spareNode) {

    public static final int MAX_REPLICAS = 5;
    public static final long DEFAULT_REGION_BYTES = 1 << 20;
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    public StorageClass {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "class name '" + name + "' must be lower-case letters, digits and '-' (up to 63)");
        }
        erasure = erasure == null ? Optional.empty() : erasure; // classes stored before erasure codes
        if (erasure.isPresent() && replicas != 0) {
            throw new IllegalArgumentException(
                    "a class has replicas or an erasure code, not both (" + replicas + " and " + erasure.get() + ")");
        }
        if (erasure.isEmpty() && spareNode) {
            throw new IllegalArgumentException("sparing space for a whole node is for erasure-coded classes (legs of"
                    + " a lost node are rebuilt into free space)");
        }
        if (erasure.isEmpty() && (replicas < 1 || replicas > MAX_REPLICAS)) {
            throw new IllegalArgumentException("replicas must be 1 to " + MAX_REPLICAS + ", got " + replicas);
        }
        Label.checkKey(spreadAcross);
        prefer = prefer == null ? Optional.empty() : prefer;
        if (repairTimeout == null) {
            throw new IllegalArgumentException("repairTimeout is required");
        }
        if (!repairTimeout.isPositive() || repairTimeout.compareTo(Limits.MAX_DURATION) > 0) {
            throw new IllegalArgumentException("repairTimeout must be positive and at most "
                    + Limits.MAX_DURATION.toDays() + " days (" + Limits.MAX_DURATION + "), got " + repairTimeout);
        }
        if (Long.bitCount(regionSizeBytes) != 1 || regionSizeBytes < 64 * 1024 || regionSizeBytes > (1L << 30)) {
            throw new IllegalArgumentException(
                    "regionSizeBytes must be a power of 2 from 64 KiB to 1 GiB, got " + regionSizeBytes);
        }
    }

    /** A replicated class. */
    public StorageClass(
            String name,
            int replicas,
            String spreadAcross,
            Optional<Label> prefer,
            Duration repairTimeout,
            long regionSizeBytes,
            boolean builtIn) {
        this(name, replicas, spreadAcross, prefer, repairTimeout, regionSizeBytes, builtIn, Optional.empty(), false);
    }

    /** An erasure-coded class. */
    public static StorageClass erasureCoded(
            String name,
            ErasureCode code,
            String spreadAcross,
            Optional<Label> prefer,
            Duration repairTimeout,
            long regionSizeBytes,
            boolean builtIn) {
        return new StorageClass(
                name, 0, spreadAcross, prefer, repairTimeout, regionSizeBytes, builtIn, Optional.of(code), false);
    }

    /** This class, asking for sparing space for a whole lost node ({@code spareNode}) or not. */
    public StorageClass withSpareNode(boolean newSpareNode) {
        return new StorageClass(
                name, replicas, spreadAcross, prefer, repairTimeout, regionSizeBytes, builtIn, erasure, newSpareNode);
    }

    /** How many placements (legs, or BStores of a PStore) one unit of the class spreads over. */
    public int width() {
        return erasure.map(ErasureCode::width).orElse(replicas);
    }

    /** The classes every cluster starts with. */
    public static List<StorageClass> builtIns() {
        Duration tenMinutes = Duration.ofMinutes(10);
        return List.of(
                new StorageClass("single", 1, "host", Optional.empty(), tenMinutes, DEFAULT_REGION_BYTES, true),
                new StorageClass("zone-2", 2, "zone", Optional.empty(), tenMinutes, DEFAULT_REGION_BYTES, true),
                new StorageClass("zone-3", 3, "zone", Optional.empty(), tenMinutes, DEFAULT_REGION_BYTES, true),
                erasureCoded(
                        "ec-4-2",
                        new ErasureCode(4, 2),
                        "host",
                        Optional.empty(),
                        tenMinutes,
                        DEFAULT_REGION_BYTES,
                        true));
    }
}
