package dev.cairn.agent.ec;

import dev.cairn.legs.io.LegIo;
import dev.cairn.nbd.BlockStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What a member that failed answers, for the requests raced with its failure (a request chose it
 * while it was usable, another failed it before this one was sent): every request fails at once,
 * saying why, and the caller goes on without it as after any failed request.
 */
final class FailedIo implements LegIo {
    private final String why;

    FailedIo(String why) {
        this.why = why;
    }

    private <T> CompletableFuture<T> failed() {
        return CompletableFuture.failedFuture(new IOException(why));
    }

    @Override
    public long sizeBytes() {
        return 0;
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return failed();
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return failed();
    }

    @Override
    public CompletableFuture<Void> flush() {
        return failed();
    }

    @Override
    public CompletableFuture<Void> trim(long offset, long length) {
        return failed();
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayTrim) {
        return failed();
    }

    @Override
    public CompletableFuture<List<BlockStatus>> blockStatus(long offset, long length) {
        return failed();
    }

    @Override
    public CompletableFuture<?> lost() {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {}
}
