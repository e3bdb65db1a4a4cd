package dev.cairn.legs.sync;

import dev.cairn.legs.header.LegHeader;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Decides, when a volume is attached, which legs hold the newest data and what every other leg
 * must be given, from what could be read of each leg's header and bitmap. A pure function, so the
 * rules can be checked case by case:
 *
 * <ul>
 *   <li>The newest header (highest event counter) names the legs that were in sync at its event.
 *       Every one of them that is still a leg of the volume must be readable before deciding: an
 *       unreachable one may have gone on taking writes after the others failed.
 *   <li>Those legs are fresh; one of them is the source. A leg with an older event counter is
 *       stale and never a source: it gets the dirty regions (the union of every readable bitmap,
 *       which holds every region written since it fell out), or every region if its header is
 *       blank, damaged or belongs to something else.
 *   <li>Fresh legs may differ in the dirty regions (an agent crash between the legs' writes), so
 *       all but the source are resynced too; with no dirty region they start in sync.
 *   <li>A volume whose legs are all blank is new: every leg is in sync (all zeroes).
 * </ul>
 */
public final class ResyncPlan {
    private ResyncPlan() {}

    /** What was found on one leg. */
    public sealed interface Probe {
        UUID legId();
    }

    /** The leg could not be opened. */
    public record Unreachable(UUID legId, String why) implements Probe {}

    /** The leg's header, and its bitmap words when the header is valid. */
    public record Found(UUID legId, LegHeader.Read header, BitSet bitmap) implements Probe {}

    /** What a leg needs before it may be read from. */
    public enum Sync {
        /** Nothing: in sync from the start. */
        NONE,
        /** The dirty regions. */
        DIRTY,
        /** Every region. */
        FULL
    }

    /** The decision. */
    public sealed interface Outcome {}

    /** Not yet: some leg that may hold the newest data is unreachable. */
    public record Wait(String reason) implements Outcome {}

    /**
     * Serve: {@code sync} says for every reachable leg what it needs ({@code source} needs nothing),
     * {@code dirty} is the bitmap to start with, {@code events} the counter the newest header had.
     */
    public record Ready(long events, UUID source, Map<UUID, Sync> sync, BitSet dirty, List<String> notes)
            implements Outcome {}

    /** The geometry every header must agree with. */
    public record Geometry(UUID volumeId, long sizeBytes, long regionBytes, long dataOffset, long regions) {}

    public static Outcome plan(Geometry g, List<UUID> legs, List<Probe> probes) {
        List<String> notes = new ArrayList<>();
        Map<UUID, LegHeader> valid = new LinkedHashMap<>();
        Set<UUID> reachable = new LinkedHashSet<>();
        BitSet dirty = new BitSet();
        boolean allBlank = true;
        for (Probe p : probes) {
            if (p instanceof Found f) {
                reachable.add(f.legId());
                Optional<String> problem = check(g, f);
                if (problem.isEmpty()) {
                    valid.put(f.legId(), ((LegHeader.Valid) f.header()).header());
                    dirty.or(f.bitmap());
                } else if (!(f.header() instanceof LegHeader.Blank)) {
                    notes.add("leg " + f.legId() + ": " + problem.get() + "; it gets every region");
                }
                allBlank &= f.header() instanceof LegHeader.Blank;
            }
        }
        Map<UUID, Sync> sync = new LinkedHashMap<>();
        if (valid.isEmpty()) {
            if (reachable.size() < legs.size()) {
                return new Wait("no leg with a header is reachable yet (" + reachable.size() + " of " + legs.size()
                        + " legs reached)");
            }
            UUID source = legs.getFirst();
            for (UUID leg : legs) {
                sync.put(leg, allBlank || leg.equals(source) ? Sync.NONE : Sync.FULL);
            }
            return new Ready(0, source, sync, dirty, notes);
        }
        LegHeader newest = valid.values().stream()
                .max((a, b) -> Long.compare(a.events(), b.events()))
                .orElseThrow();
        List<UUID> fresh = new ArrayList<>();
        for (UUID member : newest.inSync()) {
            if (!legs.contains(member)) {
                continue; // no longer a leg of this volume
            }
            if (!reachable.contains(member)) {
                return new Wait("leg " + member + " was in sync at event " + newest.events()
                        + " and is unreachable: it may hold the newest writes");
            }
            LegHeader h = valid.get(member);
            if (h != null && h.events() == newest.events()) {
                fresh.add(member);
            }
        }
        if (fresh.isEmpty()) {
            return new Wait("no leg in sync at event " + newest.events() + " is readable");
        }
        UUID source = fresh.getFirst();
        boolean anyDirty = !dirty.isEmpty();
        for (UUID leg : legs) {
            if (!reachable.contains(leg)) {
                continue;
            }
            Sync s;
            if (leg.equals(source)) {
                s = Sync.NONE;
            } else if (!valid.containsKey(leg)) {
                s = Sync.FULL;
            } else if (fresh.contains(leg)) {
                s = anyDirty ? Sync.DIRTY : Sync.NONE;
            } else {
                s = Sync.DIRTY;
            }
            sync.put(leg, s);
        }
        return new Ready(newest.events(), source, sync, dirty, notes);
    }

    /** Why a readable header cannot be trusted for this volume, if it cannot. */
    public static Optional<String> check(Geometry g, Found f) {
        return switch (f.header()) {
            case LegHeader.Blank b -> Optional.of("blank header (never attached)");
            case LegHeader.Damaged d -> Optional.of("damaged header (" + d.reason() + ")");
            case LegHeader.Valid v -> {
                LegHeader h = v.header();
                if (!h.volumeId().equals(g.volumeId()) || !h.legId().equals(f.legId())) {
                    yield Optional.of("header belongs to volume " + h.volumeId() + " leg " + h.legId());
                }
                if (h.volumeSizeBytes() != g.sizeBytes()
                        || h.regionSizeBytes() != g.regionBytes()
                        || h.dataOffset() != g.dataOffset()) {
                    yield Optional.of("header geometry (" + h.volumeSizeBytes() + " bytes, regions of "
                            + h.regionSizeBytes() + ", data at " + h.dataOffset() + ") differs from the volume's");
                }
                yield Optional.empty();
            }
        };
    }
}
