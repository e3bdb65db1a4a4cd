package dev.cairn.control.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.VolumeState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ReplicatedState} promises, run against each implementation (a subclass per
 * implementation starts one, as a single peer that will lead): commands are applied in the order
 * acknowledged and their outcomes returned, every command (refused ones too) moves the applied
 * index on, a refused command changes nothing else, reads see every acknowledged command, the status and peers agree with what was applied,
 * and the long poll answers when a node's desired extents change.
 */
public abstract class ReplicatedStateContract {
    private static final long GIB = 1L << 30;
    private static final Duration READY = Duration.ofSeconds(30);

    protected ReplicatedState state;

    /** A new, empty state of the implementation under test. */
    protected abstract ReplicatedState start() throws Exception;

    @BeforeEach
    void startState() throws Exception {
        state = start();
        await().atMost(READY).until(() -> state.loaded() && state.isLeader());
    }

    @AfterEach
    void closeState() throws Exception {
        state.close();
    }

    private static Command register(UUID node) {
        DriveState drive = new DriveState(UUID.randomUUID(), 100 * GIB, 100 * GIB, 0, 100 * GIB);
        return new Command.RegisterNode(
                node, "127.0.0.1:10809", "http://127.0.0.1:8410", Map.of("zone", "a"), List.of(drive), 1_000);
    }

    private static Command.CreateVolume volume(String name, UUID extent) {
        return new Command.CreateVolume(
                UUID.randomUUID(), name, GIB, "single", List.of(extent), List.of("s3cret"), 0, 2_000);
    }

    private long applied() throws Exception {
        return state.read(ClusterState::appliedIndex);
    }

    @Test
    void aCommandIsAppliedAndEveryReadSeesItOnceAcknowledged() throws Exception {
        UUID node = UUID.randomUUID();
        Outcome registered = state.submit(register(node));
        assertThat(registered.isOk()).as(registered.message()).isTrue();
        Command.CreateVolume create = volume("v", UUID.randomUUID());
        Outcome created = state.submit(create);

        assertThat(created.isOk()).as(created.message()).isTrue();
        assertThat(created.id()).contains(create.volumeId().toString());
        assertThat(state.<Boolean>read(s -> s.nodes().containsKey(node))).isTrue();
        assertThat(state.<Optional<VolumeState>>read(s -> s.volumeNamed("v").map(v -> v.state())))
                .contains(VolumeState.CREATING);
        assertThat(state.<Optional<UUID>>readLocal(s -> s.volumeNamed("v").map(v -> v.id())))
                .as("this peer applied it before answering")
                .contains(create.volumeId());
    }

    @Test
    void commandsApplyInTheOrderAcknowledged() throws Exception {
        state.submit(register(UUID.randomUUID()));
        UUID firstExtent = UUID.randomUUID();
        Command.CreateVolume first = volume("v", firstExtent);
        Command.CreateVolume second = volume("v", UUID.randomUUID());
        Command.CreateVolume third = volume("v", UUID.randomUUID());

        assertThat(state.submit(first).isOk()).isTrue();
        Outcome again = state.submit(second);
        assertThat(state.submit(new Command.DeleteVolume("v", 3_000)).isOk()).isTrue();
        assertThat(state.submit(third).isOk())
                .as("the name is free once deleted")
                .isTrue();

        assertThat(again.status()).isEqualTo(Outcome.Status.CONFLICT);
        assertThat(again.message()).contains("a volume named 'v' already exists");
        assertThat(state.<Optional<UUID>>read(s -> s.volumeNamed("v").map(v -> v.id())))
                .contains(third.volumeId());
        assertThat(state.<Boolean>read(s -> s.orphans().containsKey(firstExtent)))
                .as("the deleted volume's extent")
                .isTrue();
    }

    @Test
    void aRefusedCommandChangesNothingButTheAppliedIndex() throws Exception {
        state.submit(register(UUID.randomUUID()));
        ClusterState before = state.read(ClusterState::copy);

        Outcome refused = state.submit(new Command.CreateVolume(
                UUID.randomUUID(), "x", GIB, "no-such-class", List.of(UUID.randomUUID()), List.of("k"), 0, 2_000));

        assertThat(refused.isOk()).isFalse();
        assertThat(refused.status()).isEqualTo(Outcome.Status.NOT_FOUND);
        assertThat(refused.message()).contains("no-such-class");
        ClusterState after = state.read(ClusterState::copy);
        assertThat(after.appliedIndex())
                .as("a refused command takes its place in the log too")
                .isGreaterThan(before.appliedIndex());
        after.setAppliedIndex(before.appliedIndex());
        assertThat(after).isEqualTo(before);
    }

    @Test
    void theAppliedIndexGrowsWithEveryCommandAndTheStatusAgrees() throws Exception {
        // Grows, not by one: Ratis' log also holds entries of its own (the commit index it records
        // after commits, a new term's first entry) between commands.
        state.submit(register(UUID.randomUUID()));
        long start = applied();
        state.submit(volume("a", UUID.randomUUID()));
        long afterOne = applied();
        state.submit(volume("a", UUID.randomUUID()));

        assertThat(afterOne).isGreaterThan(start);
        assertThat(applied())
                .as("a refused command takes its place in the log too")
                .isGreaterThan(afterOne);
        long applied = applied();
        ReplicatedState.RaftStatus status = state.raftStatus();
        assertThat(status.leader()).isTrue();
        assertThat(status.appliedIndex())
                .as("the replication's applied index counts its own entries too, up to the last command")
                .isGreaterThanOrEqualTo(applied);
        assertThat(status.commitIndex()).isGreaterThanOrEqualTo(status.appliedIndex());
        assertThat(status.term()).isPositive();
        assertThat(status.peers()).isEqualTo(1);
    }

    @Test
    void theOnlyPeerIsThisOneAndLeads() {
        assertThat(state.peers()).singleElement().satisfies(p -> {
            assertThat(p.id()).isEqualTo(state.peerId());
            assertThat(p.leader()).isTrue();
        });
        assertThat(state.isLeader()).isTrue();
        assertThat(state.loaded()).isTrue();
    }

    @Test
    void theLongPollAnswersWhenTheNodesExtentsChange() throws Exception {
        UUID node = UUID.randomUUID();
        state.submit(register(node));
        long after = applied();
        UUID extent = UUID.randomUUID();
        try (ExecutorService poller = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<ClusterStateMachine.Desired> poll = CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return state.awaitDesired(node, after, Duration.ofSeconds(60));
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    },
                    poller);
            assertThat(state.submit(volume("v", extent)).isOk()).isTrue();

            ClusterStateMachine.Desired desired = poll.get();
            assertThat(desired.changedAt()).isGreaterThan(after);
            assertThat(desired.legs()).extracting(Leg::extentId).containsExactly(extent);
        }
    }

    @Test
    void theLongPollReturnsTheStateAsItIsWhenNothingChanges() throws Exception {
        UUID node = UUID.randomUUID();
        state.submit(register(node));
        long now = applied();

        ClusterStateMachine.Desired desired = state.awaitDesired(node, now, Duration.ofMillis(200));

        assertThat(desired.changedAt()).isLessThanOrEqualTo(now);
        assertThat(desired.appliedIndex()).isEqualTo(now);
        assertThat(desired.legs()).isEmpty();
    }
}
