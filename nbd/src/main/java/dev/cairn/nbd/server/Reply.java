package dev.cairn.nbd.server;

import dev.cairn.nbd.BlockStatus;
import java.nio.ByteBuffer;
import java.util.List;

/** A reply waiting to be written; encoded by {@link ReplyWriter} for the connection's reply mode. */
sealed interface Reply {
    long handle();

    /** Success without payload. */
    record Done(long handle) implements Reply {}

    /** Failure with an NBD error value and a message (sent with structured replies). */
    record Failed(long handle, int errno, String message) implements Reply {}

    /**
     * READ data: {@code buffer} from {@link BufferPool#HEADROOM} to its limit, with the headroom
     * free for the header. Returned to the pool once written.
     */
    record Data(long handle, long offset, ByteBuffer buffer) implements Reply {}

    /** READ data straight from the export's memory (a read-only view, no pool buffer). */
    record View(long handle, long offset, ByteBuffer data) implements Reply {}

    /**
     * One piece of a {@link LargeRead}'s data, {@code data} laid out like {@link Data}'s buffer.
     * The first piece carries a simple reply's header; with structured replies every piece is a
     * chunk and the last is flagged done.
     */
    record Piece(long handle, LargeRead read, long offset, ByteBuffer data, boolean first, boolean last)
            implements Reply {}

    /** BLOCK_STATUS answer for one metadata context. */
    record Status(long handle, int contextId, List<BlockStatus> descriptors) implements Reply {}
}
