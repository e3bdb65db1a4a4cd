package dev.cairn.agent;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.nbd.BlockStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;

/**
 * A volume the agent serves over NBD, whatever keeps its bytes: what the agent's NBD side ({@link
 * Agent}, {@link VolumeSession}) and its meters ({@link VolumeMetrics}) know of one. Replicated
 * volumes ({@link dev.cairn.agent.replica.ReplicatedVolume}) implement it; erasure-coded volumes
 * will too.
 *
 * <p>A volume goes through one life ({@link Phase}): ASSEMBLING from attach (bringing its legs to
 * the controller's view; the export is refused meanwhile, saying what it waits for), then SERVING,
 * then CLOSED when detached or replaced by a newer attachment. Requests run on many threads at
 * once; a request that cannot be served fails with an {@link java.io.IOException} (EIO to the
 * client).
 */
public interface ServedVolume extends AutoCloseable {

    /** Where a volume is in its life; only the moves {@link #check} allows happen. */
    sealed interface Phase {
        /**
         * Throws {@link IllegalStateException} naming the volume and both phases unless {@code
         * from} may become {@code to}: ASSEMBLING to ASSEMBLING (waiting for something else),
         * SERVING or CLOSED; SERVING to CLOSED. A closed volume stays closed.
         */
        static void check(Object volume, Phase from, Phase to) {
            boolean legal = switch (from) {
                case Assembling _ -> true;
                case Serving _ -> to instanceof Closed;
                case Closed _ -> false;
            };
            if (!legal) {
                throw new IllegalStateException(volume + ": illegal transition from " + from + " to " + to);
            }
        }
    }

    /** Attached, not served yet: {@code waitingFor} says why (the export is refused with it). */
    record Assembling(String waitingFor) implements Phase {
        @Override
        public String toString() {
            return "ASSEMBLING (" + waitingFor + ")";
        }
    }

    /** Assembled: NBD clients may use it. */
    record Serving() implements Phase {
        @Override
        public String toString() {
            return "SERVING";
        }
    }

    /** Detached or replaced: nothing more happens to it. */
    record Closed() implements Phase {
        @Override
        public String toString() {
            return "CLOSED";
        }
    }

    UUID volumeId();

    String name();

    /** The attachment generation it serves under. */
    long generation();

    long sizeBytes();

    /** "volume NAME (ID)", for logs. */
    String describe();

    /** What the NBD export list says of it. */
    String description();

    Phase phase();

    /**
     * The controller's view of this volume changed at the same generation; applied in the
     * background. A view of another volume, generation or geometry, or one that cannot be served,
     * is refused with an {@link IllegalArgumentException} that says why.
     */
    void reconfigure(AgentApi.AttachedVolume view);

    /** Fills {@code dst} (position to limit) from the volume's bytes at {@code offset}. */
    void read(long offset, ByteBuffer dst) throws IOException;

    void write(long offset, ByteBuffer src, boolean fua) throws IOException;

    /** Makes every write completed so far durable. */
    void flush() throws IOException;

    void trim(long offset, long length, boolean fua) throws IOException;

    void writeZeroes(long offset, long length, boolean mayTrim, boolean fua) throws IOException;

    /** Allocation of a range, at most {@code maxDescriptors} long (data, if nothing better is known). */
    List<BlockStatus> blockStatus(long offset, long length, int maxDescriptors) throws IOException;

    /** What the agent tells the controller about it. */
    AgentApi.VolumeReport report();

    /** The state of each leg now, in leg order. */
    List<LegSyncState> legStates();

    /** Regions its write-intent bitmap marks dirty now. */
    long dirtyRegions();

    /** Its resyncs: running now, and every byte copied since it was attached. */
    AgentApi.ResyncReport resync();

    /** Stops serving, stops its background work and drops its connections; CLOSED. */
    @Override
    void close();
}
