package dev.cairn.legs.io;

import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.NbdException;
import dev.cairn.nbd.NbdProtocol;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Block I/O on one leg's whole extent (header area included), asynchronous so that one request
 * can go to every leg at once. Implemented over NBD for real legs and in memory for tests.
 */
public interface LegIo extends AutoCloseable {

    long sizeBytes();

    /** Fills {@code dst} (position to limit); {@code dst} is not touched after completion. */
    CompletableFuture<Void> read(long offset, ByteBuffer dst);

    CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua);

    CompletableFuture<Void> flush();

    CompletableFuture<Void> trim(long offset, long length);

    CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayTrim);

    CompletableFuture<List<BlockStatus>> blockStatus(long offset, long length);

    /** Completes once the connection is gone, whatever the reason. */
    CompletableFuture<?> lost();

    /**
     * Waits up to {@code timeout} for a request to a leg; a failure or a timeout becomes an
     * IOException that says what went wrong.
     */
    static <T> T await(CompletableFuture<T> request, Duration timeout) throws IOException, InterruptedException {
        try {
            return request.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException(describe(e), e);
        }
    }

    /**
     * Whether {@code failure} (or one of its causes) is the leg's node refusing this client because
     * the volume's attachment moved on (a newer generation fenced it: NBD's EPERM). Such a leg did
     * not fail: this client is no longer the one that may write it.
     */
    static boolean fenced(Throwable failure) {
        for (Throwable c = failure; c != null; c = c.getCause()) {
            if (c instanceof NbdException n && n.errno() == NbdProtocol.EPERM) {
                return true;
            }
        }
        return false;
    }

    /** What went wrong with a request to a leg, in words (a timeout, the node's message...). */
    static String describe(Throwable cause) {
        Throwable c = (cause instanceof CompletionException || cause instanceof ExecutionException)
                        && cause.getCause() != null
                ? cause.getCause()
                : cause;
        if (c instanceof TimeoutException) {
            return "no answer within the leg timeout";
        }
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }

    /** Drops the connection; requests in flight fail. */
    @Override
    void close();
}
