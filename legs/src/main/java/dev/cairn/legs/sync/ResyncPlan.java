package dev.cairn.legs.sync;

import dev.cairn.legs.header.FillRecord;
import dev.cairn.legs.header.LegHeader;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Decides which legs of a volume hold the newest data and what every other leg must be given, from
 * what could be read of each leg's header and bitmap: the agent when it attaches a volume, a
 * storage node before it copies a leg of a detached one. A pure function, so the rules can be
 * checked case by case:
 *
 * <ul>
 *   <li>The newest header (highest event counter) names the legs that were in sync at its event.
 *       Every one of them that is still a leg of the volume must be readable before deciding: an
 *       unreachable one may have gone on taking writes after the others failed. A leg the
 *       controller replaced after it went missing (kept) is not waited for.
 *   <li>Those legs are fresh; one of them is the source. A leg with an older event counter is
 *       stale and never a source: it gets the dirty regions (the union of every readable bitmap,
 *       which holds every region written since it fell out), or every region if its header is
 *       blank, damaged or belongs to something else. A leg part-way through a full copy (a {@link
 *       FillRecord}) is never a source either; its copy goes on where the record says.
 *   <li>Fresh legs may differ in the dirty regions (an agent crash between the legs' writes), so
 *       all but the source are resynced too; with no dirty region they start in sync.
 *   <li>A volume whose legs are all blank is new: every leg is in sync (all zeroes).
 *   <li>The bitmap argument holds as long as the stale leg stayed a leg of the volume since it
 *       fell out: bits are cleared only while every leg is in sync, and a leg replaced after it
 *       went missing stays listed (kept) until its replacement is in sync.
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

    /**
     * What a leg needs before it may be read from: nothing, the dirty regions, or every region
     * from {@code fromRegion} on plus the dirty ones (a full copy, resumed where a {@link
     * FillRecord} says an earlier copy got).
     */
    public record Sync(Kind kind, long fromRegion) {
        public enum Kind {
            NONE,
            DIRTY,
            FULL
        }

        public static final Sync NONE = new Sync(Kind.NONE, 0);
        public static final Sync DIRTY = new Sync(Kind.DIRTY, 0);
        public static final Sync FULL = new Sync(Kind.FULL, 0);

        public Sync {
            if (fromRegion < 0 || (kind != Kind.FULL && fromRegion != 0)) {
                throw new IllegalArgumentException(kind + " from region " + fromRegion);
            }
        }

        /** A full copy that goes on from {@code region} (every region below it is copied). */
        public static Sync fullFrom(long region) {
            return new Sync(Kind.FULL, region);
        }

        /**
         * The regions a leg with this need must get, ascending, out of {@code regions}, when
         * {@code dirty} (ascending) are the regions the legs may differ in now. A resumed full copy
         * takes the dirty regions below its start too: writes may have missed the leg while it was
         * away, and the bitmap (never cleared while a leg is out of sync) says where.
         */
        public List<Long> regions(long regions, List<Long> dirty) {
            return switch (kind) {
                case NONE -> List.of();
                case DIRTY -> dirty;
                case FULL -> {
                    List<Long> out = new ArrayList<>();
                    for (long r : dirty) {
                        if (r < fromRegion) {
                            out.add(r);
                        }
                    }
                    for (long r = Math.min(fromRegion, regions); r < regions; r++) {
                        out.add(r);
                    }
                    yield out;
                }
            };
        }
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
        return plan(g, legs, Set.of(), probes);
    }

    /**
     * The plan, where the legs {@code kept} (replaced by the controller after they went missing)
     * are not waited for: the controller judged them gone while another leg was in sync, as it
     * would have removed them, and they stay only to be taken back if they return current.
     */
    public static Outcome plan(Geometry g, List<UUID> legs, Set<UUID> kept, List<Probe> probes) {
        List<String> notes = new ArrayList<>();
        Map<UUID, LegHeader> valid = new LinkedHashMap<>();
        Map<UUID, LegHeader.Read> headers = new LinkedHashMap<>();
        Map<UUID, Long> resume = new LinkedHashMap<>();
        BitSet dirty = new BitSet();
        for (Probe p : probes) {
            if (p instanceof Found f) {
                headers.put(f.legId(), f.header());
                Optional<String> problem = check(g, f);
                if (problem.isEmpty()) {
                    valid.put(f.legId(), ((LegHeader.Valid) f.header()).header());
                    dirty.or(f.bitmap());
                } else if (f.header() instanceof LegHeader.Filling filling) {
                    Optional<String> distrust = checkFill(g, f.legId(), filling.fill());
                    if (distrust.isEmpty()) {
                        resume.put(f.legId(), filling.fill().copiedBelow());
                    } else {
                        notes.add("leg " + f.legId() + ": " + distrust.get() + "; it gets every region");
                    }
                } else if (!(f.header() instanceof LegHeader.Blank)) {
                    notes.add("leg " + f.legId() + ": " + problem.get() + "; it gets every region");
                }
            }
        }
        if (valid.isEmpty()) {
            return planWithoutHeaders(legs, kept, headers, resume, dirty, notes);
        }
        LegHeader newest = valid.values().stream()
                .max((a, b) -> Long.compare(a.events(), b.events()))
                .orElseThrow();
        List<UUID> fresh = new ArrayList<>();
        for (UUID member : newest.inSync()) {
            if (!legs.contains(member)) {
                continue; // no longer a leg of this volume
            }
            if (!headers.containsKey(member) && kept.contains(member)) {
                continue; // replaced while it was missing: as good as gone, unless it comes back
            }
            if (!headers.containsKey(member)) {
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
        Map<UUID, Sync> sync = new LinkedHashMap<>();
        for (UUID leg : legs) {
            if (!headers.containsKey(leg)) {
                continue;
            }
            Sync s;
            if (leg.equals(source)) {
                s = Sync.NONE;
            } else if (!valid.containsKey(leg)) {
                s = Sync.fullFrom(resume.getOrDefault(leg, 0L));
            } else if (fresh.contains(leg)) {
                s = anyDirty ? Sync.DIRTY : Sync.NONE;
            } else {
                s = Sync.DIRTY;
            }
            sync.put(leg, s);
        }
        return new Ready(newest.events(), source, sync, dirty, notes);
    }

    /**
     * No leg has a header of this volume: it was never attached (its legs blank, a new leg maybe
     * part-way through a copy from them), or every header was lost. Every leg must be reachable
     * (but the kept ones).
     * The source is the first leg not being filled (a leg part-way through a copy is never one);
     * blank legs hold what a blank source holds (zeroes), anything else gets every region.
     */
    private static Outcome planWithoutHeaders(
            List<UUID> legs,
            Set<UUID> kept,
            Map<UUID, LegHeader.Read> headers,
            Map<UUID, Long> resume,
            BitSet dirty,
            List<String> notes) {
        long awaited = legs.stream()
                .filter(l -> !headers.containsKey(l) && !kept.contains(l))
                .count();
        if (awaited > 0) {
            return new Wait("no leg with a header is reachable yet (" + headers.size() + " of " + legs.size()
                    + " legs reached)");
        }
        Optional<UUID> source = legs.stream()
                .filter(l -> headers.containsKey(l) && !(headers.get(l) instanceof LegHeader.Filling))
                .findFirst();
        if (source.isEmpty()) {
            return new Wait("every leg is part-way through a copy: none holds the volume's data");
        }
        boolean blankSource = headers.get(source.get()) instanceof LegHeader.Blank;
        Map<UUID, Sync> sync = new LinkedHashMap<>();
        for (UUID leg : legs) {
            LegHeader.Read h = headers.get(leg);
            if (h == null) {
                continue;
            }
            Sync s;
            if (leg.equals(source.get()) || (blankSource && h instanceof LegHeader.Blank)) {
                s = Sync.NONE;
            } else if (h instanceof LegHeader.Filling) {
                s = Sync.fullFrom(resume.getOrDefault(leg, 0L));
            } else {
                s = Sync.FULL;
            }
            sync.put(leg, s);
        }
        return new Ready(0, source.get(), sync, dirty, notes);
    }

    /** What a leg that comes back while the volume is served needs, and why, in words. */
    public record Returning(Sync sync, String why) {}

    /**
     * A leg that answers again while the others serve the volume: the dirty regions if its header
     * is this volume's (the bitmap holds every region written since it fell out), a full copy
     * going on where its fill record says if it was being filled, else every region.
     */
    public static Returning returning(Geometry g, Found f) {
        Optional<String> distrust = check(g, f);
        if (distrust.isEmpty()) {
            return new Returning(Sync.DIRTY, "its header is this volume's: it gets the dirty regions");
        }
        if (f.header() instanceof LegHeader.Filling filling) {
            Optional<String> fillDistrust = checkFill(g, f.legId(), filling.fill());
            if (fillDistrust.isEmpty()) {
                long from = filling.fill().copiedBelow();
                return new Returning(
                        Sync.fullFrom(from),
                        "part-way through a full copy: it goes on from region " + from + " (and gets the dirty"
                                + " regions below it)");
            }
            return new Returning(Sync.FULL, fillDistrust.get() + "; it gets every region");
        }
        if (f.header() instanceof LegHeader.Blank) {
            return new Returning(Sync.FULL, "blank (a new leg): it gets every region");
        }
        return new Returning(Sync.FULL, distrust.get() + "; it gets every region");
    }

    /** Why a fill record cannot be trusted to say where this leg's copy got, if it cannot. */
    static Optional<String> checkFill(Geometry g, UUID legId, FillRecord f) {
        if (!f.volumeId().equals(g.volumeId()) || !f.legId().equals(legId)) {
            return Optional.of("fill record belongs to volume " + f.volumeId() + " leg " + f.legId());
        }
        if (f.volumeSizeBytes() != g.sizeBytes()
                || f.regionSizeBytes() != g.regionBytes()
                || f.dataOffset() != g.dataOffset()
                || f.copiedBelow() > g.regions()) {
            return Optional.of("fill record geometry (" + f.volumeSizeBytes() + " bytes, regions of "
                    + f.regionSizeBytes() + ", data at " + f.dataOffset() + ", " + f.copiedBelow()
                    + " regions copied) does not fit the volume");
        }
        return Optional.empty();
    }

    /** Why a readable header cannot be trusted for this volume, if it cannot. */
    public static Optional<String> check(Geometry g, Found f) {
        return switch (f.header()) {
            case LegHeader.Blank b -> Optional.of("blank header (never attached)");
            case LegHeader.Filling filling ->
                Optional.of("being filled by a full copy (" + filling.fill().copiedBelow() + " regions copied)");
            case LegHeader.Damaged d -> Optional.of("damaged header (" + d.reason() + ")");
            case LegHeader.Valid v -> {
                LegHeader h = v.header();
                if (!h.volumeId().equals(g.volumeId()) || !h.legId().equals(f.legId())) {
                    yield Optional.of("header belongs to volume " + h.volumeId() + " leg " + h.legId());
                }
                // A smaller size is the volume's before it grew (offline: its data and bitmap are
                // where they were, and the regions past the old end were never written).
                if (h.volumeSizeBytes() > g.sizeBytes()
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
