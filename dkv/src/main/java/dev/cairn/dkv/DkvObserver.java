package dev.cairn.dkv;

/**
 * What a {@link DkvClient} tells of its work as it goes, for metrics ({@link DkvMeters}): each
 * operation as its caller saw it, each slot it had to repair on a mirror, each layout
 * refetched because a mirror said the one used was stale. Called on whatever thread completed the
 * step, so an observer must be cheap and thread-safe.
 */
public interface DkvObserver {
    /** The client's operations. */
    enum Op {
        PUT,
        GET,
        DELETE,
        SCAN
    }

    /** An observer that ignores everything. */
    DkvObserver NONE = new DkvObserver() {
        @Override
        public void completed(Op op, boolean ok, long nanos) {}

        @Override
        public void repaired(int slots) {}

        @Override
        public void refetched() {}
    };

    /** Operation {@code op} ended ({@code ok} or failed) {@code nanos} after it was asked for. */
    void completed(Op op, boolean ok, long nanos);

    /**
     * A get or scan (or a put whose read found a damaged slot) wrote a key's greatest valid version
     * to {@code slots} mirrors that lacked it (a damaged slot, or a put not known to be on every
     * mirror).
     */
    void repaired(int slots);

    /** A mirror refused the layout an operation used as stale, and a newer one was fetched. */
    void refetched();
}
