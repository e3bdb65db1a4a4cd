package dev.cairn.node;

import dev.cairn.drive.DriveException;
import dev.cairn.drive.Extent;
import dev.cairn.drive.backend.AllocationRange;
import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.NbdException;
import dev.cairn.nbd.NbdProtocol;
import dev.cairn.nbd.server.ExportFeatures;
import dev.cairn.nbd.server.ExportSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * One NBD connection's use of an extent, bound to the generation it opened with. Every operation
 * first checks that generation is still the extent's current one (fencing: after a volume is
 * attached elsewhere, an old client can neither read nor write), then does the block I/O, turning
 * drive errors into the matching NBD errors.
 */
final class ExtentSession implements ExportSession {
    private final Extent extent;
    private final String description;
    private final long generation;
    private final Executor io;
    private final ExportFeatures features;

    ExtentSession(Extent extent, String description, long generation, Executor io) {
        this.extent = extent;
        this.description = description;
        this.generation = generation;
        this.io = io;
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

    private void checkFence() throws NbdException {
        long current = extent.access().generation();
        if (current != generation) {
            throw new NbdException(
                    NbdProtocol.EPERM,
                    "fenced: this connection holds generation " + generation + " but extent " + extent.id()
                            + " is at generation " + current);
        }
    }

    private static NbdException translate(DriveException e) {
        int errno = switch (e.reason()) {
            case CLOSED -> NbdProtocol.ESHUTDOWN;
            case INVALID -> NbdProtocol.EINVAL;
            case NO_SPACE -> NbdProtocol.ENOSPC;
            default -> NbdProtocol.EIO;
        };
        return new NbdException(errno, e.getMessage());
    }

    @Override
    public Optional<ByteBuffer> residentView(long offset, int length) throws IOException {
        checkFence();
        try {
            return extent.residentView(offset, length);
        } catch (DriveException e) {
            throw translate(e);
        }
    }

    @Override
    public boolean tryRead(long offset, ByteBuffer dst) throws IOException {
        checkFence();
        try {
            return extent.tryRead(offset, dst);
        } catch (DriveException e) {
            throw translate(e);
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkFence();
        try {
            extent.read(offset, dst);
        } catch (DriveException e) {
            throw translate(e);
        }
    }

    @Override
    public boolean tryWrite(long offset, ByteBuffer src) throws IOException {
        checkFence();
        try {
            return extent.tryWrite(offset, src);
        } catch (DriveException e) {
            throw translate(e);
        }
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        checkFence();
        try {
            extent.write(offset, src, fua);
        } catch (DriveException e) {
            throw translate(e);
        }
    }

    @Override
    public void flush() throws IOException {
        checkFence();
        try {
            extent.flush();
        } catch (DriveException e) {
            throw translate(e);
        }
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws IOException {
        checkFence();
        try {
            extent.discard(offset, length);
            if (fua) {
                extent.flush();
            }
        } catch (DriveException e) {
            throw translate(e);
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayTrim, boolean fua) throws IOException {
        checkFence();
        try {
            extent.writeZeroes(offset, length, mayTrim);
            if (fua) {
                extent.flush();
            }
        } catch (DriveException e) {
            throw translate(e);
        }
    }

    @Override
    public List<BlockStatus> blockStatus(long offset, long length, int maxDescriptors) throws IOException {
        checkFence();
        List<AllocationRange> map;
        try {
            map = extent.allocation(offset, length);
        } catch (DriveException e) {
            throw translate(e);
        }
        List<BlockStatus> out = new ArrayList<>(Math.min(map.size(), maxDescriptors));
        for (AllocationRange r : map) {
            if (out.size() == maxDescriptors) {
                break;
            }
            out.add(new BlockStatus(r.length(), r.hole() ? NbdProtocol.STATE_HOLE | NbdProtocol.STATE_ZERO : 0));
        }
        return out;
    }

    @Override
    public void close() {
        // nothing held per connection
    }
}
