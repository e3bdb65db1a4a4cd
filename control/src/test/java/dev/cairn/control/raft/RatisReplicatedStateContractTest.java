package dev.cairn.control.raft;

import dev.cairn.control.state.ReplicatedState;
import dev.cairn.control.state.ReplicatedStateContract;
import dev.cairn.local.FreePorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract on one real Ratis peer (its log on disk, its replication port free at run time);
 * what only Ratis does (restart from snapshot and log, several peers) is in {@link
 * RatisReplicatedStateTest}.
 */
class RatisReplicatedStateContractTest extends ReplicatedStateContract {
    @TempDir
    Path dir;

    @Override
    protected ReplicatedState start() throws IOException {
        RaftSettings.Peer self =
                new RaftSettings.Peer("c1", new InetSocketAddress(InetAddress.getLoopbackAddress(), FreePorts.next()));
        return RatisReplicatedState.start(
                new RaftSettings("c1", List.of(self), dir, Duration.ofMillis(400), Duration.ofSeconds(6), 1_000));
    }
}
