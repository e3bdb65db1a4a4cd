package dev.cairn.node;

import dev.cairn.drive.DriveException;
import dev.cairn.drive.Extent;
import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.NbdException;
import dev.cairn.nbd.NbdProtocol;
import dev.cairn.nbd.server.ExportFeatures;
import dev.cairn.nbd.server.ExportSession;
import dev.cairn.nbd.server.RequestObserver;
import dev.cairn.node.copy.LocalLegIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * One NBD connection's use of an extent, bound to the generation it opened with. Every operation
 * runs fenced by that generation ({@link Extent#fenced}: after a volume is attached elsewhere, an
 * old client can neither read nor write, and none of its writes lands after the change), turning
 * drive errors into the matching NBD errors (EPERM when fenced).
 */
final class ExtentSession implements ExportSession {
    private final Extent extent;
    private final String description;
    private final long generation;
    private final Executor io;
    private final ExportFeatures features;
    private final RequestObserver observer;

    ExtentSession(Extent extent, String description, long generation, Executor io, RequestObserver observer) {
        this.extent = extent;
        this.description = description;
        this.generation = generation;
        this.io = io;
        this.observer = observer;
        // One shared page cache per drive: a flush on any connection makes every connection's
        // completed writes durable, which is what multi-conn promises.
        this.features = ExportFeatures.writable(true, extent.zeroesFast());
    }

    @Override
    public String name() {
        return extent.id().toString();
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public long sizeBytes() {
        return extent.sizeBytes();
    }

    @Override
    public ExportFeatures features() {
        return features;
    }

    @Override
    public Executor executor() {
        return io;
    }

    @Override
    public RequestObserver observer() {
        return observer;
    }

    private static NbdException translate(DriveException e) {
        int errno = switch (e.reason()) {
            case FENCED -> NbdProtocol.EPERM;
            case CLOSED -> NbdProtocol.ESHUTDOWN;
            case INVALID -> NbdProtocol.EINVAL;
            case NO_SPACE -> NbdProtocol.ENOSPC;
            default -> NbdProtocol.EIO;
        };
        return new NbdException(errno, e.getMessage());
    }

    /** An operation on the extent: checked against the fence, its drive errors made NBD errors. */
    private interface ExtentCall<T> {
        T run() throws IOException;
    }

    private <T> T fenced(ExtentCall<T> call) throws IOException {
        try {
            return extent.fenced(generation, call::run);
        } catch (DriveException e) {
            throw translate(e);
        }
    }

    @Override
    public Optional<ByteBuffer> residentView(long offset, int length) throws IOException {
        return fenced(() -> extent.residentView(offset, length));
    }

    @Override
    public boolean tryRead(long offset, ByteBuffer dst) throws IOException {
        return fenced(() -> extent.tryRead(offset, dst));
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        fenced(() -> {
            extent.read(offset, dst);
            return null;
        });
    }

    @Override
    public boolean tryWrite(long offset, ByteBuffer src) throws IOException {
        return fenced(() -> extent.tryWrite(offset, src));
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        fenced(() -> {
            extent.write(offset, src, fua);
            return null;
        });
    }

    @Override
    public void flush() throws IOException {
        fenced(() -> {
            extent.flush();
            return null;
        });
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws IOException {
        fenced(() -> {
            extent.discard(offset, length);
            if (fua) {
                extent.flush();
            }
            return null;
        });
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayTrim, boolean fua) throws IOException {
        fenced(() -> {
            extent.writeZeroes(offset, length, mayTrim);
            if (fua) {
                extent.flush();
            }
            return null;
        });
    }

    @Override
    public List<BlockStatus> blockStatus(long offset, long length, int maxDescriptors) throws IOException {
        return LocalLegIo.blockStatus(fenced(() -> extent.allocation(offset, length)), maxDescriptors);
    }

    @Override
    public void close() {
        // nothing held per connection
    }
}
