package dev.cairn.nbd;

/** One descriptor of a base:allocation answer: {@code length} bytes with these state flags. */
public record BlockStatus(long length, int flags) {
    public BlockStatus {
        if (length <= 0) {
            throw new IllegalArgumentException("descriptor length must be positive, got " + length);
        }
    }

    public boolean hole() {
        return (flags & NbdProtocol.STATE_HOLE) != 0;
    }

    public boolean zero() {
        return (flags & NbdProtocol.STATE_ZERO) != 0;
    }
}
