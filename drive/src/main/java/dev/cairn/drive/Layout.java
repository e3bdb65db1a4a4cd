package dev.cairn.drive;

/**
 * Where things go on a drive of a given capacity. A pure function of the capacity, so the label
 * can be checked against it and a format is reproducible.
 *
 * <pre>
 *   [0, 4 KiB)                label
 *   [4 KiB, +tableBytes)      extent table copy A
 *   [.., +tableBytes)         extent table copy B
 *   [dataStart, capacity)     extents, each starting on a 1 MiB boundary
 * </pre>
 *
 * The table holds one entry per MiB of data area (so it never fills before the space does), at
 * least {@link #MIN_TABLE_ENTRIES} and at most {@link #MAX_TABLE_ENTRIES}.
 */
record Layout(long capacityBytes, long tableCopyA, long tableCopyB, int tableCapacity, long dataStart) {
    static final int BLOCK = 4096;
    static final int ALIGNMENT = 1 << 20;
    static final int MIN_TABLE_ENTRIES = 64;
    static final int MAX_TABLE_ENTRIES = 65536;
    /** Smallest drive worth formatting: metadata plus a few extents. */
    static final long MIN_CAPACITY = 8L * ALIGNMENT;

    static Layout forCapacity(long mediumBytes) {
        long capacity = mediumBytes / ALIGNMENT * ALIGNMENT;
        int entries = Math.clamp(capacity / ALIGNMENT, MIN_TABLE_ENTRIES, MAX_TABLE_ENTRIES);
        long tableBytes = roundUp(ExtentTable.bytesFor(entries), BLOCK);
        long a = BLOCK;
        long b = a + tableBytes;
        long dataStart = roundUp(b + tableBytes, ALIGNMENT);
        return new Layout(capacity, a, b, entries, dataStart);
    }

    boolean matches(DriveLabel label) {
        return label.capacityBytes() == capacityBytes
                && label.tableCopyA() == tableCopyA
                && label.tableCopyB() == tableCopyB
                && label.tableCapacity() == tableCapacity
                && label.alignmentBytes() == ALIGNMENT
                && label.dataStart() == dataStart;
    }

    static long roundUp(long value, long unit) {
        return (value + unit - 1) / unit * unit;
    }
}
