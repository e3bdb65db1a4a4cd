package dev.cairn.control.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.VolumeState;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.Liveness;
import dev.cairn.control.state.Outcome;
import dev.cairn.control.state.ReplicatedState;
import dev.cairn.local.FreePorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replicated state on real Ratis peers (in this JVM, over loopback gRPC). */
class RatisReplicatedStateTest {
    private static final long GIB = 1L << 30;

    @TempDir
    Path dir;

    private final List<RatisReplicatedState> running = new ArrayList<>();

    @AfterEach
    void stopAll() throws IOException {
        for (RatisReplicatedState s : running) {
            s.close();
        }
    }

    private List<RaftSettings.Peer> peers(int n) {
        List<RaftSettings.Peer> peers = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            peers.add(new RaftSettings.Peer(
                    "c" + i, new InetSocketAddress(InetAddress.getLoopbackAddress(), FreePorts.next())));
        }
        return peers;
    }

    private RatisReplicatedState start(String id, List<RaftSettings.Peer> peers, long snapshotEvery)
            throws IOException {
        RatisReplicatedState s = RatisReplicatedState.start(new RaftSettings(
                id, peers, dir.resolve(id), Duration.ofMillis(400), Duration.ofSeconds(6), snapshotEvery));
        running.add(s);
        return s;
    }

    private static Command register(UUID node, String zone) {
        DriveState drive = new DriveState(UUID.randomUUID(), 100 * GIB, 100 * GIB, 0, 100 * GIB);
        return new Command.RegisterNode(
                node, "127.0.0.1:10809", "http://127.0.0.1:8410", Map.of("zone", zone), List.of(drive), 1_000);
    }

    private static Command volume(String name) {
        return new Command.CreateVolume(
                UUID.randomUUID(), name, GIB, "single", List.of(UUID.randomUUID()), List.of("s3cret"), 0, 2_000);
    }

    @Test
    void aRestartedSinglePeerRecoversEveryAcknowledgedCommandFromSnapshotAndLog() throws IOException {
        List<RaftSettings.Peer> peers = peers(1);
        RatisReplicatedState one = start("c1", peers, 5);
        await().atMost(Duration.ofSeconds(20)).until(one::isLeader);
        UUID node = UUID.randomUUID();
        assertThat(one.submit(register(node, "a")).isOk()).isTrue();
        for (int i = 0; i < 12; i++) {
            assertThat(one.submit(volume("v" + i)).isOk()).isTrue();
        }
        Outcome dup = one.submit(volume("v3"));
        assertThat(dup.status()).isEqualTo(Outcome.Status.CONFLICT);
        ClusterState before = one.read(ClusterState::copy);
        assertThat(before.volumes()).hasSize(12);
        one.close();
        running.remove(one);
        try (Stream<Path> files = Files.list(dir.resolve("c1/raft")
                .resolve(RatisReplicatedState.GROUP.getUuid().toString())
                .resolve("sm"))) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(f -> f.startsWith("snapshot."));
        }

        RatisReplicatedState again = start("c1", peers, 5);
        assertThat(again.committedAtStart())
                .as("what it must replay before it serves")
                .isGreaterThan(before.appliedIndex() - 5);
        await().atMost(Duration.ofSeconds(20)).until(again::loaded);
        await().atMost(Duration.ofSeconds(20)).until(again::isLeader);
        long barriers = again.barriersAnswered();
        ClusterState after = again.read(ClusterState::copy);
        assertThat(after.volumes()).isEqualTo(before.volumes());
        assertThat(after.nodes()).isEqualTo(before.nodes());
        assertThat(again.submit(volume("v12")).isOk()).isTrue();
        assertThat(again.<Integer>read(s -> s.volumes().size())).isEqualTo(13);
        assertThat(again.barriersAnswered())
                .as("a group of one that leads reads its own copy, with no round trip")
                .isEqualTo(barriers);
    }

    /** Three new peers of one group, started one after the other; {@code started} sees each at once. */
    private List<RatisReplicatedState> threePeers(Consumer<RatisReplicatedState> started) throws IOException {
        List<RaftSettings.Peer> peers = peers(3);
        List<RatisReplicatedState> group = new ArrayList<>();
        for (RaftSettings.Peer p : peers) {
            group.add(start(p.id(), peers, 1_000));
            started.accept(group.getLast());
        }
        return group;
    }

    private static RatisReplicatedState awaitOneLeader(List<RatisReplicatedState> group) {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> group.stream().filter(ReplicatedState::isLeader).count() == 1);
        return group.stream().filter(ReplicatedState::isLeader).findFirst().orElseThrow();
    }

    @Test
    void aFollowerPassesOnWhoItHeardFromToTheLeaderOutsideTheLog() throws IOException {
        List<RatisReplicatedState> group = threePeers(peer -> {});
        RatisReplicatedState leader = awaitOneLeader(group);
        RatisReplicatedState follower =
                group.stream().filter(s -> s != leader).findFirst().orElseThrow();
        UUID node = UUID.randomUUID();
        assertThat(follower.submit(register(node, "a")).isOk()).isTrue();
        long applied = leader.<Long>read(st -> st.appliedIndex());

        assertThat(follower.heard(Liveness.Heard.node(node, 123_456))).isTrue();
        assertThat(follower.heard(Liveness.Heard.agent("h1", 7_000))).isTrue();

        assertThat(leader.<Long>read(
                        st -> leader.liveness().lastHeard(st.nodes().get(node))))
                .isEqualTo(123_456L);
        assertThat(leader.<Long>read(st -> st.appliedIndex()))
                .as("no log entry")
                .isEqualTo(applied);

        // Ratis lets a follower serve a read-only request itself. A note sent to a peer that does
        // not lead (a leader id gone stale) must not count as taken, or the leader never hears it.
        RatisReplicatedState other = group.stream()
                .filter(s -> s != leader && s != follower)
                .findFirst()
                .orElseThrow();
        assertThat(follower.passOn(Liveness.Heard.node(node, 200_000), RaftPeerId.valueOf(other.peerId())))
                .isFalse();
        assertThat(other.<Long>read(st -> other.liveness().lastHeard(st.nodes().get(node))))
                .isLessThan(200_000L);

        // Once the leader is gone, the peer that leads next is the one told.
        leader.close();
        running.remove(leader);
        await().atMost(Duration.ofSeconds(30)).until(() -> follower.isLeader() || other.isLeader());
        RatisReplicatedState next = follower.isLeader() ? follower : other;
        RatisReplicatedState passer = next == follower ? other : follower;
        await().atMost(Duration.ofSeconds(30)).until(() -> passer.heard(Liveness.Heard.node(node, 300_000)));
        assertThat(next.<Long>read(st -> next.liveness().lastHeard(st.nodes().get(node))))
                .isEqualTo(300_000L);
    }

    @Test
    void threePeersKeepServingAfterTheLeaderStops() throws IOException {
        // A new peer has nothing to replay: it does not wait for the others to be loaded.
        List<RatisReplicatedState> group =
                threePeers(peer -> assertThat(peer.loaded()).isTrue());
        RatisReplicatedState leader = awaitOneLeader(group);
        List<RatisReplicatedState> followers =
                group.stream().filter(s -> s != leader).toList();

        // A command through a follower is committed by the group, and every peer reads it at once.
        UUID node = UUID.randomUUID();
        assertThat(followers.getFirst().submit(register(node, "a")).isOk()).isTrue();
        assertThat(followers.getFirst().submit(volume("before")).isOk()).isTrue();
        long barriers =
                group.stream().mapToLong(RatisReplicatedState::barriersAnswered).sum();
        for (RatisReplicatedState s : group) {
            assertThat(s.<java.util.Optional<VolumeState>>read(
                            st -> st.volumeNamed("before").map(v -> v.state())))
                    .contains(VolumeState.CREATING);
            assertThat(s.peers()).extracting(ReplicatedState.Peer::id).containsExactly("c1", "c2", "c3");
        }
        assertThat(group.stream()
                        .mapToLong(RatisReplicatedState::barriersAnswered)
                        .sum())
                .as("in a group of three every read, the leader's too, takes a ReadIndex")
                .isGreaterThanOrEqualTo(barriers + 3);

        leader.close();
        running.remove(leader);
        RatisReplicatedState survivor = followers.getLast();
        assertThat(survivor.submit(volume("after")).isOk()).isTrue();
        for (RatisReplicatedState s : followers) {
            assertThat(s.<Integer>read(st -> st.volumes().size())).isEqualTo(2);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> followers.stream().anyMatch(ReplicatedState::isLeader));

        // Alone, a peer cannot know what a majority acknowledged: once it has stepped down (within
        // an election timeout, if it led) it refuses to read or write rather than guess.
        RatisReplicatedState alone = followers.getFirst();
        survivor.close();
        running.remove(survivor);
        await().atMost(Duration.ofSeconds(30)).until(() -> !alone.isLeader());
        assertThatThrownBy(() -> alone.read(st -> st.volumes().size())).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> alone.submit(volume("lost"))).isInstanceOf(IOException.class);
    }
}
