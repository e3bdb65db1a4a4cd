package dev.cairn.drive.backend;

/**
 * A run of bytes that is either allocated (holds data) or a hole (unallocated, reads as zeroes).
 */
public record AllocationRange(long position, long length, boolean hole) {
    public AllocationRange {
        if (position < 0 || length <= 0) {
            throw new IllegalArgumentException("bad range " + position + "+" + length);
        }
    }

    public long end() {
        return position + length;
    }
}
