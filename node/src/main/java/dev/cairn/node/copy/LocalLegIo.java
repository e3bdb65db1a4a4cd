package dev.cairn.node.copy;

import dev.cairn.drive.Extent;
import dev.cairn.drive.backend.AllocationRange;
import dev.cairn.legs.io.LegIo;
import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.NbdProtocol;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * A leg on this node, written by the node's own copy without going through NBD: every operation
 * runs fenced by the generation the copy works at (once the volume is attached, the agent's
 * generation refuses it, and a write in flight lands before the agent opens the leg), on the
 * node's I/O threads (block I/O may wait for the device; the copy's workers are virtual threads).
 * Closing it is as dropping a connection: it is lost, and refuses every request after.
 */
public final class LocalLegIo implements LegIo {
    private final Extent extent;
    private final long generation;
    private final Executor io;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    public LocalLegIo(Extent extent, long generation, Executor io) {
        this.extent = extent;
        this.generation = generation;
        this.io = io;
    }

    private interface Op<T> {
        T run() throws IOException;
    }

    private <T> CompletableFuture<T> fenced(Op<T> op) {
        if (closed.isDone()) {
            return CompletableFuture.failedFuture(new IOException("leg " + extent.id() + ": closed"));
        }
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return extent.fenced(generation, op::run);
                    } catch (IOException e) {
                        throw new CompletionException(e);
                    }
                },
                io);
    }

    @Override
    public long sizeBytes() {
        return extent.sizeBytes();
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return fenced(() -> {
            extent.read(offset, dst.duplicate());
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return fenced(() -> {
            extent.write(offset, src.duplicate(), fua);
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> flush() {
        return fenced(() -> {
            extent.flush();
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> trim(long offset, long length) {
        return fenced(() -> {
            extent.discard(offset, length);
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayTrim) {
        return fenced(() -> {
            extent.writeZeroes(offset, length, mayTrim);
            return null;
        });
    }

    @Override
    public CompletableFuture<List<BlockStatus>> blockStatus(long offset, long length) {
        return fenced(() -> blockStatus(extent.allocation(offset, length), Integer.MAX_VALUE));
    }

    /** An extent's allocation map as NBD block status (holes read as zeroes), at most {@code max} long. */
    public static List<BlockStatus> blockStatus(List<AllocationRange> map, int max) {
        List<BlockStatus> out = new ArrayList<>(Math.min(map.size(), max));
        for (AllocationRange r : map) {
            if (out.size() == max) {
                break;
            }
            out.add(new BlockStatus(r.length(), r.hole() ? NbdProtocol.STATE_HOLE | NbdProtocol.STATE_ZERO : 0));
        }
        return out;
    }

    @Override
    public CompletableFuture<?> lost() {
        return closed.copy(); // a local extent has no connection to lose but by closing it
    }

    @Override
    public void close() {
        closed.complete(null);
    }
}
