package dev.cairn.control.state;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.cairn.control.model.AgentRecord;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.Orphan;
import dev.cairn.control.model.RebalanceState;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * JSON for what the replicated log and the snapshots hold: commands, outcomes, and the whole
 * state. Map entries are written sorted, so the same state always gives the same bytes.
 */
public final class StateCodec {
    /** Version of the snapshot layout; a snapshot of another version is refused, not guessed at. */
    static final int SNAPSHOT_FORMAT = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new Jdk8Module())
            .registerModule(new JavaTimeModule())
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .configure(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS, false)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    private StateCodec() {}

    /**
     * The snapshot's shape on disk. Fields added since format 1 are optional: one written before
     * them (no agents, no attachments, no DKV, no rebalance) reads as exactly that.
     */
    record Snapshot(
            int format,
            long appliedIndex,
            List<NodeRecord> nodes,
            List<StorageClass> classes,
            List<Volume> volumes,
            List<Orphan> orphans,
            List<AgentRecord> agents,
            DkvLayout dkv,
            RebalanceState rebalance) {
        Snapshot {
            agents = agents == null ? List.of() : agents;
            dkv = dkv == null ? DkvLayout.empty() : dkv;
            rebalance = rebalance == null ? RebalanceState.initial() : rebalance;
        }
    }

    public static byte[] encode(Command c) {
        return write(c);
    }

    public static Command decodeCommand(byte[] bytes) throws IOException {
        return JSON.readValue(bytes, Command.class);
    }

    public static byte[] encode(Outcome o) {
        return write(o);
    }

    public static Outcome decodeOutcome(byte[] bytes) throws IOException {
        return JSON.readValue(bytes, Outcome.class);
    }

    public static byte[] encodeSnapshot(ClusterState s) {
        return write(new Snapshot(
                SNAPSHOT_FORMAT,
                s.appliedIndex(),
                List.copyOf(s.nodes().values()),
                List.copyOf(s.classes().values()),
                List.copyOf(s.volumes().values()),
                List.copyOf(s.orphans().values()),
                List.copyOf(s.agents().values()),
                s.dkv(),
                s.rebalance()));
    }

    public static ClusterState decodeSnapshot(byte[] bytes) throws IOException {
        Snapshot snap = JSON.readValue(bytes, Snapshot.class);
        if (snap.format() != SNAPSHOT_FORMAT) {
            throw new IOException(
                    "snapshot format " + snap.format() + " is not the " + SNAPSHOT_FORMAT + " this controller reads");
        }
        return ClusterState.of(
                snap.appliedIndex(),
                snap.nodes(),
                snap.classes(),
                snap.volumes(),
                snap.orphans(),
                snap.agents(),
                snap.dkv(),
                snap.rebalance());
    }

    private static byte[] write(Object o) {
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + o.getClass().getSimpleName(), e);
        }
    }
}
