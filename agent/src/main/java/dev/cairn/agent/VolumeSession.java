package dev.cairn.agent;

import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.server.ExportFeatures;
import dev.cairn.nbd.server.ExportSession;
import dev.cairn.nbd.server.RequestObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * One NBD client's use of an attached volume. Requests run on virtual threads (they wait on the
 * legs over the network) and go straight to the {@link ServedVolume}.
 */
final class VolumeSession implements ExportSession {
    /**
     * Multi-conn holds: a flush goes to every leg, and each leg's flush covers every connection's
     * completed writes, so a flush on one client connection makes all of them durable.
     */
    private static final ExportFeatures FEATURES = ExportFeatures.writable(true, false);

    private final ServedVolume volume;
    private final Executor executor;
    private final RequestObserver observer;

    VolumeSession(ServedVolume volume, Executor executor, RequestObserver observer) {
        this.volume = volume;
        this.executor = executor;
        this.observer = observer;
    }

    @Override
    public String name() {
        return volume.volumeId().toString();
    }

    @Override
    public String description() {
        return volume.description();
    }

    @Override
    public long sizeBytes() {
        return volume.sizeBytes();
    }

    @Override
    public ExportFeatures features() {
        return FEATURES;
    }

    @Override
    public Executor executor() {
        return executor;
    }

    @Override
    public RequestObserver observer() {
        return observer;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        volume.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        volume.write(offset, src, fua);
    }

    @Override
    public void flush() throws IOException {
        volume.flush();
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws IOException {
        volume.trim(offset, length, fua);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayTrim, boolean fua) throws IOException {
        volume.writeZeroes(offset, length, mayTrim, fua);
    }

    @Override
    public List<BlockStatus> blockStatus(long offset, long length, int maxDescriptors) throws IOException {
        return volume.blockStatus(offset, length, maxDescriptors);
    }

    @Override
    public void close() {
        // the volume outlives its clients
    }
}
