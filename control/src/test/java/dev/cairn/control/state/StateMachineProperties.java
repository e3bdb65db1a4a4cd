package dev.cairn.control.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.state.CommandGenerator.Step;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The state machine under random and adversarial commands ({@link CommandGenerator}): applying
 * never throws and never hits the rollback-on-exception path (that would be a bug), a refused
 * command leaves the state exactly as it was (but for the applied index), two replicas applying
 * the same log end equal (one gets each command back from its JSON, as a follower does), the
 * snapshot round-trips, and what readers and the repair loop compute from any such state does not
 * throw either.
 */
class StateMachineProperties {

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Integer> choice = Arbitraries.integers().between(0, 999);
        Arbitrary<Step> step = Combinators.combine(
                        Arbitraries.integers().between(0, CommandGenerator.KINDS - 1),
                        choice,
                        choice,
                        choice,
                        choice,
                        choice)
                .as(Step::new);
        return step.list().ofMinSize(1).ofMaxSize(150);
    }

    /** Four nodes in zones a to d, two volumes, one attached: so that many generated commands succeed. */
    private static List<Step> busyStart() {
        List<Step> start = new ArrayList<>();
        for (int n = 0; n < 4; n++) {
            start.add(new Step(0, n, 1, 5, n, 1));
        }
        start.add(new Step(6, 0, 0, 1, 1, 1));
        start.add(new Step(6, 1, 0, 2, 1, 2));
        for (int n = 0; n < 4; n++) {
            start.add(new Step(1, n, 1, 1, 1, 1)); // every leg made: the volumes are available
        }
        start.add(new Step(9, 0, 1, 1, 0, 1)); // agent h0 registers
        start.add(new Step(10, 0, 0, 1, 1, 1)); // a volume is attached to it
        start.add(new Step(9, 0, 1, 1, 0, 1)); // and reported on
        return start;
    }

    @Property(tries = 300, seed = "1414")
    void applyIsTotalRefusalsChangeNothingAndReplicasAgree(
            @ForAll("steps") List<Step> generated, @ForAll boolean startBusy) throws IOException {
        ClusterStateMachine leader = new ClusterStateMachine(ClusterState.empty());
        ClusterStateMachine follower = new ClusterStateMachine(ClusterState.empty());
        CommandGenerator gen = new CommandGenerator();
        List<Step> steps = new ArrayList<>(startBusy ? busyStart() : List.of());
        steps.addAll(generated);
        long logIndex = 0;
        for (Step step : steps) {
            for (Command c : gen.next(step, leader.snapshot())) {
                logIndex++;
                ClusterState before = leader.snapshot();
                Outcome o = leader.apply(logIndex, c);
                Command replayed = StateCodec.decodeCommand(StateCodec.encode(c));
                assertThat(replayed).as("the command as the log holds it").isEqualTo(c);
                Outcome there = follower.apply(logIndex, replayed);

                assertThat(o.status()).as("%s: %s", c, o.message()).isNotEqualTo(Outcome.Status.FAILED);
                if (CommandGenerator.isRepairPass(step)) {
                    // The planner and apply agree, or the leader would propose the same refused step forever.
                    assertThat(o.isOk())
                            .as("the repair loop's %s: %s", c, o.message())
                            .isTrue();
                }
                assertThat(there).as("the follower's outcome of %s", c).isEqualTo(o);
                ClusterState after = leader.snapshot();
                assertThat(after.appliedIndex()).isEqualTo(logIndex);
                if (!o.isOk()) {
                    after.setAppliedIndex(before.appliedIndex());
                    assertThat(after)
                            .as("the state after refused %s (%s)", c, o.message())
                            .isEqualTo(before);
                }
                Statistics.label("outcome").collect(c.getClass().getSimpleName(), o.isOk());
            }
            readersCope(leader);
        }
        ClusterState end = leader.snapshot();
        assertThat(follower.snapshot()).isEqualTo(end);
        assertThat(StateCodec.decodeSnapshot(StateCodec.encodeSnapshot(end))).isEqualTo(end);
        Statistics.label("outcome").coverage(checker -> {
            for (String kind : List.of(
                    "CreateVolume",
                    "Heartbeat",
                    "AttachVolume",
                    "AgentHeartbeat",
                    "ReplaceLeg",
                    "AddReplica",
                    "RemoveReplica",
                    "DeleteVolume",
                    "MarkNodeOffline",
                    "DetachVolume")) {
                checker.check(kind, true).count(n -> n > 0);
            }
        });
    }

    /** What nodes, agents and the leader read from any state: never throws. */
    private static void readersCope(ClusterStateMachine m) {
        for (int n = 0; n <= 6; n++) {
            UUID node = new UUID(0x4E, n);
            m.desired(node);
        }
        for (String host : List.of("h0", "h1", "h2")) {
            m.agentDesired(host);
        }
        m.read(s -> RepairPlanner.plan(
                s, Long.MAX_VALUE / 2, new RepairPlanner.Settings(2, 0), UUID::randomUUID, Secrets::newSecret));
    }
}
