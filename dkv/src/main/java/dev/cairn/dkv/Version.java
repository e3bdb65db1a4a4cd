package dev.cairn.dkv;

import java.util.Comparator;

/**
 * The version of a key's value: a counter that every put raises above the version it read, and the
 * id of the writer that chose it, so that two writers that read the same version still write
 * different ones and every mirror keeps the same winner (the greater). Ordered by counter, then
 * writer.
 */
public record Version(long counter, long writer) implements Comparable<Version> {
    private static final Comparator<Version> ORDER =
            Comparator.comparingLong(Version::counter).thenComparingLong(Version::writer);

    public Version {
        if (counter < 1) {
            throw new IllegalArgumentException("a version's counter starts at 1, got " + counter);
        }
    }

    /** The first version a writer gives a key that has none. */
    public static Version first(long writer) {
        return new Version(1, writer);
    }

    /** The version {@code writer} gives a key whose value is at {@code this}. */
    public Version next(long writer) {
        if (counter == Long.MAX_VALUE) {
            throw new IllegalStateException("version counter exhausted at " + this);
        }
        return new Version(counter + 1, writer);
    }

    @Override
    public int compareTo(Version o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        return counter + "/" + Long.toHexString(writer);
    }
}
