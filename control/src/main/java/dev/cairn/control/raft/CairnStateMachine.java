package dev.cairn.control.raft;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.state.ClusterStateMachine;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.Liveness;
import dev.cairn.control.state.Outcome;
import dev.cairn.control.state.StateCodec;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ratis' view of the controller's {@link ClusterStateMachine}: log entries are JSON commands,
 * applied in log order on Ratis' single applier thread; replies are JSON outcomes. Snapshots are
 * the JSON state in {@code sm/snapshot.TERM_INDEX} (with an MD5 beside it), written to a temporary
 * file, synced and renamed, so a crash never leaves a half snapshot that looks whole.
 */
final class CairnStateMachine extends BaseStateMachine {
    private static final Logger log = LoggerFactory.getLogger(CairnStateMachine.class);

    /** The answer to a {@link Liveness.Heard} that the leader noted. */
    static final Message NOTED = Message.valueOf("noted");

    private final ClusterStateMachine machine;
    private final Liveness liveness;
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final LongAdder barriers = new LongAdder();

    CairnStateMachine(ClusterStateMachine machine, Liveness liveness) {
        this.machine = machine;
        this.liveness = liveness;
    }

    ClusterStateMachine machine() {
        return machine;
    }

    /** How many read barriers (empty read-only requests) this peer has answered. */
    long barriersAnswered() {
        return barriers.sum();
    }

    /** This peer's memory of who was heard from when (see {@link Liveness}). */
    Liveness liveness() {
        return liveness;
    }

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        load(storage.getLatestSnapshot());
    }

    /** After a snapshot was installed from the leader: start over from it. */
    @Override
    public void reinitialize() throws IOException {
        load(storage.loadLatestSnapshot());
    }

    private void load(SingleFileSnapshotInfo snapshot) throws IOException {
        if (snapshot == null) {
            return;
        }
        Path file = snapshot.getFile().getPath();
        if (!Files.exists(file)) {
            throw new IOException("snapshot " + file + " is listed but missing");
        }
        MD5Hash md5 = snapshot.getFile().getFileDigest();
        if (md5 != null) {
            MD5FileUtil.verifySavedMD5(file.toFile(), md5);
        }
        ClusterState restored = StateCodec.decodeSnapshot(Files.readAllBytes(file));
        machine.restore(restored);
        TermIndex ti = snapshot.getTermIndex();
        setLastAppliedTermIndex(ti);
        log.info("loaded snapshot {} (term {}, index {})", file.getFileName(), ti.getTerm(), ti.getIndex());
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        long index = entry.getIndex();
        Outcome outcome;
        try {
            Command c = StateCodec.decodeCommand(
                    entry.getStateMachineLogEntry().getLogData().toByteArray());
            outcome = machine.apply(index, c);
        } catch (IOException e) {
            // Only controllers write the log; an entry that does not decode (a newer controller's
            // command) is refused the same way on every peer and changes nothing.
            outcome = Outcome.refused(Outcome.Status.INVALID, "log entry " + index + " is not a command: " + e);
        }
        updateLastAppliedTermIndex(entry.getTerm(), index);
        return CompletableFuture.completedFuture(
                Message.valueOf(UnsafeByteOperations.unsafeWrap(StateCodec.encode(outcome))));
    }

    /**
     * The read barrier: answered once this peer has applied everything committed before it. A
     * query that carries a {@link Liveness.Heard} is a follower passing on a heartbeat that changed
     * nothing: noted in memory, never in the log, and answered {@link #NOTED} only when this peer
     * leads. Ratis lets a follower serve a read-only request itself (it asks the leader for the
     * commit index and queries its own copy), so a request sent to a peer that has since stopped
     * leading lands here on a follower: it answers empty, and the sender logs the heartbeat instead.
     */
    @Override
    public CompletableFuture<Message> query(Message request) {
        if (request.getContent().isEmpty()) {
            barriers.increment();
            return CompletableFuture.completedFuture(Message.EMPTY);
        }
        Optional<Liveness.Heard> heard =
                Liveness.Heard.decode(request.getContent().toByteArray());
        if (heard.isEmpty() || !leads()) {
            return CompletableFuture.completedFuture(Message.EMPTY);
        }
        liveness.note(heard.get());
        return CompletableFuture.completedFuture(NOTED);
    }

    /** Whether this peer leads its group and is ready to (it applied its own term's first entry). */
    private boolean leads() {
        RaftServer server = getServer().getNow(null);
        if (server == null) {
            return false;
        }
        try {
            return server.getDivision(getGroupId()).getInfo().isLeaderReady();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public long takeSnapshot() throws IOException {
        // Ratis calls this on the applier thread, so state and applied index belong together.
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() < 0) {
            return -1;
        }
        byte[] bytes = StateCodec.encodeSnapshot(machine.snapshot());
        Path file = storage.getSnapshotFile(last.getTerm(), last.getIndex()).toPath();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file.toFile());
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file, md5), last));
        log.info("snapshot at term {}, index {}: {} bytes", last.getTerm(), last.getIndex(), bytes.length);
        return last.getIndex();
    }
}
