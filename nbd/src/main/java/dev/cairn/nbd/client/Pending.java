package dev.cairn.nbd.client;

import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.NbdException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A request in flight and, once answered, what came back: read data, block status, the number of
 * structured chunks, or the error. Completion happens on the client's reader thread.
 */
public final class Pending {
    private final int type;
    private final long offset;
    private final ByteBuffer data;
    private final CompletableFuture<Void> future = new CompletableFuture<>();
    private List<BlockStatus> status = List.of();
    private int chunks;
    private NbdException error;

    Pending(int type, long offset, ByteBuffer data) {
        this.type = type;
        this.offset = offset;
        this.data = data;
    }

    int type() {
        return type;
    }

    long offset() {
        return offset;
    }

    /** READ destination (absent for other commands). */
    ByteBuffer data() {
        return data;
    }

    CompletableFuture<Void> future() {
        return future;
    }

    void onChunk() {
        chunks++;
    }

    void onStatus(List<BlockStatus> descriptors) {
        status = descriptors;
    }

    void onError(NbdException e) {
        if (error == null) {
            error = e;
        }
    }

    void complete() {
        if (error != null) {
            future.completeExceptionally(error);
        } else {
            future.complete(null);
        }
    }

    /** The block status descriptors of a BLOCK_STATUS reply. */
    public List<BlockStatus> status() {
        return status;
    }

    /** Structured chunks received for this request (0 for a simple reply). */
    public int chunks() {
        return chunks;
    }
}
