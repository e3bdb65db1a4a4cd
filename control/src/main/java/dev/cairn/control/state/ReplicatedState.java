package dev.cairn.control.state;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.model.ClusterState;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * The cluster state as the rest of the controller sees it: commands go through the replicated log,
 * reads are linearizable (they see every command acknowledged before them, whichever peer serves
 * them). Implementations: Ratis (one or more peers) and, in the test-jar, an in-process one for tests.
 */
public interface ReplicatedState extends AutoCloseable {

    /** A peer of the replicated controller. */
    record Peer(String id, String address, boolean leader) {}

    /**
     * What this peer knows of the replication, without asking the others (for metrics).
     *
     * @param leader whether this peer leads (and is ready to: it has applied its own term's entry)
     * @param term the current term
     * @param commitIndex the last log index this peer knows committed
     * @param appliedIndex the last log index this peer applied
     * @param peers how many peers the group has
     */
    record RaftStatus(boolean leader, long term, long commitIndex, long appliedIndex, int peers) {}

    /** Appends the command to the log and returns its outcome once applied here too. */
    Outcome submit(Command command) throws IOException;

    /** Runs a query on state that includes every command acknowledged so far. */
    <T> T read(Function<ClusterState, T> query) throws IOException;

    /**
     * Runs a query on this peer's copy of the state as it is, without a read barrier: it may lag
     * the leader. For metrics, which must answer at once even when the group cannot.
     */
    <T> T readLocal(Function<ClusterState, T> query);

    /** This peer's view of the replication, at once (see {@link RaftStatus}). */
    RaftStatus raftStatus();

    /**
     * The node's desired extents once they changed after log index {@code after}, or as they are
     * when {@code wait} runs out (a long poll).
     */
    ClusterStateMachine.Desired awaitDesired(UUID node, long after, Duration wait)
            throws IOException, InterruptedException;

    /**
     * The volumes attached to {@code host} once they changed after log index {@code after}, or as
     * they are when {@code wait} runs out (a long poll).
     */
    AgentApi.AgentDesiredView awaitAgentDesired(String host, long after, Duration wait)
            throws IOException, InterruptedException;

    /**
     * Whether this peer has loaded its state: its snapshot and every entry of its own log known to
     * be committed when it started. Until then it serves nothing (a restarted peer would otherwise
     * answer from a state half replayed).
     */
    boolean loaded();

    /**
     * Whether {@code heartbeat} would change nothing in this peer's copy of the state but when its
     * sender was last heard from (see {@link Liveness}).
     */
    boolean changesOnlyLiveness(Command heartbeat);

    /** When this peer last heard from each node and agent, outside the log. */
    Liveness liveness();

    /**
     * Notes in the leader's memory that {@code heard}'s sender was heard from: here when this peer
     * leads, else passed to the leader outside the log. False when it could not be (no leader known,
     * or the leader did not take it): the caller then logs the heartbeat as a command instead.
     */
    boolean heard(Liveness.Heard heard);

    /** This peer's id. */
    String peerId();

    /** Whether this peer leads (only the leader runs the offline monitor). */
    boolean isLeader();

    List<Peer> peers();

    @Override
    void close() throws IOException;
}
