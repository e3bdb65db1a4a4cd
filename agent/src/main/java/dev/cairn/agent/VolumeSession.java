package dev.cairn.agent;

import dev.cairn.agent.replica.ReplicatedVolume;
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
 * legs over the network) and go straight to the {@link ReplicatedVolume}.
 */
final class VolumeSession implements ExportSession {
    /**
     * Multi-conn holds: a flush goes to every leg, and each leg's flush covers every connection's
     * completed writes, so a flush on one client connection makes all of them durable.
     */
    private static final ExportFeatures FEATURES = ExportFeatures.writable(true, false);

    private final ReplicatedVolume volume;
    private final Executor executor;
    private final RequestObserver observer;

    VolumeSession(ReplicatedVolume volume, Executor executor, RequestObserver observer) {
        this.volume = volume;
        this.executor = executor;
        this.observer = observer;
    }

    @Override
    public String name() {
        return volume.spec().volumeId().toString();
    }

    @Override
    public String description() {
        return describe(volume);
    }

    static String describe(ReplicatedVolume v) {
        return "volume " + v.spec().name() + " (" + v.spec().legs().size() + " legs, generation "
                + v.spec().generation() + ")";
    }

    @Override
    public long sizeBytes() {
        return volume.spec().sizeBytes();
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
