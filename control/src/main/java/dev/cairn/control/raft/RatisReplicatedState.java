package dev.cairn.control.raft;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.state.ClusterStateMachine;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.Liveness;
import dev.cairn.control.state.Outcome;
import dev.cairn.control.state.ReplicatedState;
import dev.cairn.control.state.StateCodec;
import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.retry.RequestTypeDependentRetryPolicy;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto.TypeCase;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster state replicated with Apache Ratis. Every peer runs the same state machine; a
 * command goes to the leader, is committed by a majority, applied on every peer in log order, and
 * answered once this peer has applied it too (so the caller reads its own write from any peer).
 * Reads are linearizable: a read barrier through Ratis (ReadIndex) makes this peer catch up with
 * everything committed before the read started, then the read runs on the local copy.
 *
 * <p>The log and snapshots are kept under {@code DATA/raft}; a restarted peer recovers from its
 * latest snapshot and the log after it. With one peer (the default) nothing else is needed.
 */
public final class RatisReplicatedState implements ReplicatedState {
    private static final Logger log = LoggerFactory.getLogger(RatisReplicatedState.class);
    /** Every Cairn controller group has this id; peers of one cluster find each other by address. */
    static final RaftGroupId GROUP =
            RaftGroupId.valueOf(UUID.nameUUIDFromBytes("cairn-controller".getBytes(StandardCharsets.UTF_8)));

    /** How long a follower waits for the leader to take a heartbeat that changed nothing. */
    static final Duration NOTE_TIMEOUT = Duration.ofSeconds(2);

    private final RaftSettings settings;
    private final CairnStateMachine stateMachine;
    private final RaftServer server;
    private final RaftClient client;
    /**
     * Passes heartbeats that changed nothing to the leader: one try within {@link #NOTE_TIMEOUT},
     * since a heartbeat the leader does not take at once is logged instead.
     */
    private final RaftClient notes;

    private final RaftPeerId self;
    /** The last log index this peer knew committed when it started: it has loaded its state once it applied it. */
    private final long committedAtStart;

    private final Liveness liveness;

    private volatile boolean loaded;

    private RatisReplicatedState(
            RaftSettings settings,
            CairnStateMachine stateMachine,
            RaftServer server,
            RaftClient client,
            RaftClient notes,
            long committedAtStart) {
        this.liveness = stateMachine.liveness();
        this.settings = settings;
        this.stateMachine = stateMachine;
        this.server = server;
        this.client = client;
        this.notes = notes;
        this.self = RaftPeerId.valueOf(settings.peerId());
        this.committedAtStart = committedAtStart;
    }

    /** Starts this peer: recovers its state from disk (or starts empty) and joins the group. */
    public static RatisReplicatedState start(RaftSettings settings) throws IOException {
        File dir = settings.dataDir().resolve("raft").toFile();
        Files.createDirectories(dir.toPath());
        RaftProperties props = properties(settings, dir);
        List<RaftPeer> peers = new ArrayList<>();
        for (RaftSettings.Peer p : settings.peers()) {
            peers.add(
                    RaftPeer.newBuilder().setId(p.id()).setAddress(p.hostPort()).build());
        }
        RaftGroup group = RaftGroup.valueOf(GROUP, peers);
        CairnStateMachine sm = new CairnStateMachine(new ClusterStateMachine(ClusterState.empty()), new Liveness());
        RaftServer server = RaftServer.newBuilder()
                .setServerId(RaftPeerId.valueOf(settings.peerId()))
                .setGroup(group)
                .setProperties(props)
                .setStateMachine(sm)
                // RECOVER: use the log and snapshots on disk; formats only when there are none.
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            server.close();
            throw new IOException(
                    "controller peer " + settings.peerId() + " cannot start its replicated state in " + dir + ": "
                            + e.getMessage(),
                    e);
        }
        long committed = server.getDivision(GROUP).getRaftLog().getLastCommittedIndex();
        RaftClient client = RaftClient.newBuilder()
                .setProperties(props)
                .setRaftGroup(group)
                .setRetryPolicy(retryPolicy(settings.requestTimeout()))
                .build();
        RaftProperties noteProps = properties(settings, dir);
        RaftClientConfigKeys.Rpc.setRequestTimeout(
                noteProps, TimeDuration.valueOf(NOTE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        RaftClient notes = RaftClient.newBuilder()
                .setProperties(noteProps)
                .setRaftGroup(group)
                .setRetryPolicy(RetryPolicies.noRetry())
                .build();
        log.info(
                "controller peer {} started (group {}, peers {}, data {})",
                settings.peerId(),
                GROUP.getUuid(),
                RaftSettings.describe(settings.peers()),
                dir);
        return new RatisReplicatedState(settings, sm, server, client, notes, committed);
    }

    private static RaftProperties properties(RaftSettings settings, File dir) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        RaftServerConfigKeys.setStorageDir(p, List.of(dir));
        RaftSettings.Peer me = settings.self();
        GrpcConfigKeys.Server.setHost(p, me.address().getHostString());
        GrpcConfigKeys.Server.setPort(p, me.address().getPort());
        long election = settings.electionTimeout().toMillis();
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(election, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2 * election, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, settings.snapshotEvery());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("8MB"));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf("1MB"));
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(3, TimeUnit.SECONDS));
        return p;
    }

    /** Retries (leader changes, a peer down) until the request has waited {@code timeout}. */
    private static RequestTypeDependentRetryPolicy retryPolicy(Duration timeout) {
        TimeDuration limit = TimeDuration.valueOf(timeout.toMillis(), TimeUnit.MILLISECONDS);
        TimeDuration pause = TimeDuration.valueOf(100, TimeUnit.MILLISECONDS);
        RequestTypeDependentRetryPolicy.Builder b = RequestTypeDependentRetryPolicy.newBuilder();
        for (TypeCase t : new TypeCase[] {TypeCase.WRITE, TypeCase.READ}) {
            b.setRetryPolicy(t, RetryPolicies.retryForeverWithSleep(pause)).setTimeout(t, limit);
        }
        return b.build();
    }

    @Override
    public Outcome submit(Command command) throws IOException {
        RaftClientReply reply =
                client.io().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(StateCodec.encode(command))));
        if (!reply.isSuccess()) {
            throw new IOException("the controller group did not commit the command: " + reply.getException());
        }
        awaitLocal(reply.getLogIndex());
        return StateCodec.decodeOutcome(reply.getMessage().getContent().toByteArray());
    }

    /** Waits until this peer has applied log index {@code index} (the leader may be ahead of it). */
    private void awaitLocal(long index) throws IOException {
        try {
            if (!stateMachine.machine().awaitApplied(index, settings.requestTimeout())) {
                throw new IOException("this controller peer did not apply log index " + index + " within "
                        + settings.requestTimeout().toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for log index " + index);
        }
    }

    /**
     * Makes this peer's copy include everything committed before now: ReadIndex through Ratis, or
     * nothing at all when this peer is a group of one that leads and has loaded its state (see
     * {@link #servesReadsAlone}).
     */
    private void barrier() throws IOException {
        if (servesReadsAlone()) {
            return;
        }
        RaftClientReply reply = client.io().sendReadOnly(Message.EMPTY, self);
        if (!reply.isSuccess()) {
            throw new IOException("the controller group did not answer a read: " + reply.getException());
        }
    }

    /**
     * Whether this peer's own copy already answers a linearizable read: it is the group's only
     * peer, it leads (Ratis calls a leader ready once it applied its term's first entry, so every
     * entry of an earlier term is applied), and it has loaded what it knew committed at start. A
     * write is acknowledged only after this peer applied it, so every write acknowledged before
     * the read is in the copy, and one not yet applied is not yet acknowledged: concurrent with the
     * read, it may be seen or not. Reads then cost no round trip through the Ratis client, which
     * an idle controller paid for every long poll and status read.
     */
    private boolean servesReadsAlone() {
        try {
            RaftServer.Division division = server.getDivision(GROUP);
            return division.getGroup().getPeers().size() == 1
                    && division.getInfo().isLeaderReady()
                    && loaded();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public <T> T read(Function<ClusterState, T> query) throws IOException {
        barrier();
        return stateMachine.machine().read(query);
    }

    @Override
    public <T> T readLocal(Function<ClusterState, T> query) {
        return stateMachine.machine().read(query);
    }

    @Override
    public RaftStatus raftStatus() {
        try {
            RaftServer.Division division = server.getDivision(GROUP);
            DivisionInfo info = division.getInfo();
            return new RaftStatus(
                    info.isLeaderReady(),
                    info.getCurrentTerm(),
                    division.getRaftLog().getLastCommittedIndex(),
                    info.getLastAppliedIndex(),
                    division.getGroup().getPeers().size());
        } catch (IOException e) {
            return new RaftStatus(false, 0, 0, 0, settings.peers().size());
        }
    }

    @Override
    public ClusterStateMachine.Desired awaitDesired(UUID node, long after, Duration wait)
            throws IOException, InterruptedException {
        barrier();
        return stateMachine.machine().awaitDesired(node, after, wait);
    }

    @Override
    public AgentApi.AgentDesiredView awaitAgentDesired(String host, long after, Duration wait)
            throws IOException, InterruptedException {
        barrier();
        return stateMachine.machine().awaitAgentDesired(host, after, wait);
    }

    @Override
    public boolean loaded() {
        if (!loaded) {
            loaded = raftStatus().appliedIndex() >= committedAtStart;
        }
        return loaded;
    }

    /** How many read barriers this peer has answered, its own and others' (for tests). */
    long barriersAnswered() {
        return stateMachine.barriersAnswered();
    }

    /** The last log index this peer knew committed when it started. */
    public long committedAtStart() {
        return committedAtStart;
    }

    @Override
    public boolean changesOnlyLiveness(Command heartbeat) {
        return stateMachine.machine().changesOnlyLiveness(heartbeat);
    }

    @Override
    public Liveness liveness() {
        return liveness;
    }

    @Override
    public boolean heard(Liveness.Heard heard) {
        if (isLeader()) {
            liveness.note(heard);
            return true;
        }
        Optional<RaftPeerId> leader = info().map(DivisionInfo::getLeaderId);
        return leader.isPresent() && passOn(heard, leader.get());
    }

    /**
     * Asks peer {@code to} to note {@code heard} as leader, in one try within {@link #NOTE_TIMEOUT}.
     * A read-only request carries it, so no log entry is made; only a peer that leads answers
     * {@link CairnStateMachine#NOTED} (see {@link CairnStateMachine#query}).
     */
    boolean passOn(Liveness.Heard heard, RaftPeerId to) {
        try {
            RaftClientReply reply =
                    notes.io().sendReadOnly(Message.valueOf(UnsafeByteOperations.unsafeWrap(heard.encode())), to);
            return reply.isSuccess() && reply.getMessage().getContent().equals(CairnStateMachine.NOTED.getContent());
        } catch (IOException e) {
            log.debug("could not pass on to leader {} that {} was heard from: {}", to, heard.who(), e.toString());
            return false;
        }
    }

    @Override
    public String peerId() {
        return settings.peerId();
    }

    private Optional<DivisionInfo> info() {
        try {
            return Optional.of(server.getDivision(GROUP).getInfo());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean isLeader() {
        return info().map(DivisionInfo::isLeaderReady).orElse(false);
    }

    @Override
    public List<Peer> peers() {
        Optional<RaftPeerId> leader = info().map(DivisionInfo::getLeaderId);
        List<Peer> peers = new ArrayList<>();
        try {
            for (RaftPeer p : server.getDivision(GROUP).getGroup().getPeers()) {
                peers.add(new Peer(
                        p.getId().toString(),
                        p.getAddress(),
                        leader.map(l -> l.equals(p.getId())).orElse(false)));
            }
        } catch (IOException e) {
            settings.peers().forEach(p -> peers.add(new Peer(p.id(), p.hostPort(), false)));
        }
        peers.sort(Comparator.comparing(Peer::id));
        return peers;
    }

    @Override
    public void close() throws IOException {
        try {
            client.close();
        } finally {
            notes.close();
            server.close();
            log.info("controller peer {} stopped", settings.peerId());
        }
    }
}
