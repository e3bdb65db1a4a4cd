package dev.cairn.drive;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;

/** The free gaps of a data area, computed from the extent rows: a pure function, easy to test. */
final class SpaceMap {
    private record Gap(long start, long length) {}

    private final List<Gap> gaps;
    private final long usedBytes;

    private SpaceMap(List<Gap> gaps, long usedBytes) {
        this.gaps = gaps;
        this.usedBytes = usedBytes;
    }

    static SpaceMap of(Collection<ExtentRecord> records, DriveLabel label) {
        List<ExtentRecord.Piece> sorted = new ArrayList<>();
        records.forEach(r -> sorted.addAll(r.pieces()));
        sorted.sort(Comparator.comparingLong(ExtentRecord.Piece::offset));
        List<Gap> gaps = new ArrayList<>();
        long at = label.dataStart();
        long used = 0;
        for (ExtentRecord.Piece r : sorted) {
            if (r.offset() > at) {
                gaps.add(new Gap(at, r.offset() - at));
            }
            at = Math.max(at, r.end());
            used += r.allocatedBytes();
        }
        if (label.capacityBytes() > at) {
            gaps.add(new Gap(at, label.capacityBytes() - at));
        }
        return new SpaceMap(gaps, used);
    }

    /** Start of the smallest gap that holds {@code bytes} (lowest offset among equals). */
    OptionalLong bestFit(long bytes) {
        Gap best = null;
        for (Gap g : gaps) {
            if (g.length() >= bytes && (best == null || g.length() < best.length())) {
                best = g;
            }
        }
        return best == null ? OptionalLong.empty() : OptionalLong.of(best.start());
    }

    /** The length of the free gap that starts exactly at {@code start}; 0 if none does. */
    long gapAt(long start) {
        for (Gap g : gaps) {
            if (g.start() == start) {
                return g.length();
            }
        }
        return 0;
    }

    long usedBytes() {
        return usedBytes;
    }

    long largestGap() {
        return gaps.stream().mapToLong(Gap::length).max().orElse(0);
    }
}
