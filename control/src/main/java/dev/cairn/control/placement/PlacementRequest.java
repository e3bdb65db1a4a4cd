package dev.cairn.control.placement;

import dev.cairn.control.api.Label;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;

/**
 * What to place: {@code legs} legs of {@code legBytes} each (the space one occupies on a drive),
 * every one on a distinct value of the label {@code spreadAcross}, none on a node in {@code
 * excludedNodes} nor on a value in {@code usedDomains} (the volume's existing legs) nor on a drive
 * in {@code excludedDrives}, preferring nodes that carry {@code prefer}. {@code tieBreak}: among
 * drives whose free fractions tie, the order is a hash of it and the drive (so that the PStores of
 * different volumes, placed on equally free drives, do not all land on the same few together: a
 * lost drive's rebuilds then read from every drive, not from the few that share its PStores);
 * without it, the drive id and label value order. {@code nodeLoad}: bytes moving on each node's
 * drives now (a reprotect's rebuilds); among equally free drives, the least loaded node's first.
 */
public record PlacementRequest(
        int legs,
        long legBytes,
        String spreadAcross,
        Optional<Label> prefer,
        Set<UUID> excludedNodes,
        Set<String> usedDomains,
        Set<UUID> excludedDrives,
        OptionalLong tieBreak,
        Map<UUID, Long> nodeLoad) {

    public PlacementRequest {
        if (legs < 1) {
            throw new IllegalArgumentException("at least one leg");
        }
        if (legBytes <= 0) {
            throw new IllegalArgumentException("leg size must be positive");
        }
        excludedNodes = Set.copyOf(excludedNodes);
        usedDomains = Set.copyOf(usedDomains);
        excludedDrives = Set.copyOf(excludedDrives);
        nodeLoad = Map.copyOf(nodeLoad);
    }

    /** With ties broken by drive id and label value. */
    public PlacementRequest(
            int legs,
            long legBytes,
            String spreadAcross,
            Optional<Label> prefer,
            Set<UUID> excludedNodes,
            Set<String> usedDomains,
            Set<UUID> excludedDrives) {
        this(
                legs,
                legBytes,
                spreadAcross,
                prefer,
                excludedNodes,
                usedDomains,
                excludedDrives,
                OptionalLong.empty(),
                Map.of());
    }

    /** Excluding no drive. */
    public PlacementRequest(
            int legs,
            long legBytes,
            String spreadAcross,
            Optional<Label> prefer,
            Set<UUID> excludedNodes,
            Set<String> usedDomains) {
        this(legs, legBytes, spreadAcross, prefer, excludedNodes, usedDomains, Set.of());
    }

    public static PlacementRequest of(int legs, long legBytes, String spreadAcross, Optional<Label> prefer) {
        return new PlacementRequest(legs, legBytes, spreadAcross, prefer, Set.of(), Set.of());
    }

    /** The same request, ties among equally free drives broken by a hash of {@code seed} and the drive. */
    public PlacementRequest withTieBreak(long seed) {
        return new PlacementRequest(
                legs,
                legBytes,
                spreadAcross,
                prefer,
                excludedNodes,
                usedDomains,
                excludedDrives,
                OptionalLong.of(seed),
                nodeLoad);
    }

    /** The same request, equally free drives ordered by {@code load} (bytes moving on each node) first. */
    public PlacementRequest withNodeLoad(Map<UUID, Long> load) {
        return new PlacementRequest(
                legs, legBytes, spreadAcross, prefer, excludedNodes, usedDomains, excludedDrives, tieBreak, load);
    }
}
