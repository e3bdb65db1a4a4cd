package dev.cairn.drive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.drive.backend.CrashingBackend;
import dev.cairn.drive.backend.MemoryBackend;
import dev.cairn.testkit.FakeClock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Random sequences of metadata operations (allocate, grow, free) keep every invariant, and survive
 * a crash anywhere.
 */
class DriveAllocationProperties {
    private static final long MIB = 1 << 20;
    private final FakeClock clock = new FakeClock();

    enum Op {
        ALLOCATE,
        GROW,
        FREE
    }

    /**
     * One step: allocate {@code blocks} 4 KiB blocks, grow the n-th live extent by as many, or free
     * it.
     */
    record Step(Op op, int blocks, int pick) {}

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> step = Combinators.combine(
                        Arbitraries.of(Op.ALLOCATE, Op.ALLOCATE, Op.GROW, Op.FREE),
                        Arbitraries.integers().between(1, 3 * 256 + 7),
                        Arbitraries.integers().between(0, 1000))
                .as(Step::new);
        return step.list().ofMinSize(1).ofMaxSize(40);
    }

    private static List<ExtentRecord> apply(Drive drive, List<Step> steps, List<List<String>> statesAfterEachStep)
            throws Exception {
        for (Step s : steps) {
            List<ExtentRecord> live = drive.extents();
            try {
                if (s.op() == Op.ALLOCATE || live.isEmpty()) {
                    drive.allocate(UUID.randomUUID(), s.blocks() * 4096L, ExtentAccess.OPEN);
                } else if (s.op() == Op.GROW) {
                    ExtentRecord r = live.get(s.pick() % live.size());
                    drive.grow(r.id(), r.sizeBytes() + s.blocks() * 4096L);
                } else {
                    drive.free(live.get(s.pick() % live.size()).id());
                }
            } catch (DriveException e) {
                assertThat(e.reason()).isIn(DriveException.Reason.NO_SPACE, DriveException.Reason.TABLE_FULL);
            }
            checkInvariants(drive);
            statesAfterEachStep.add(ids(drive));
        }
        return drive.extents();
    }

    /** Each extent with its size: a growth is a change of state, as an allocation is. */
    private static List<String> ids(Drive drive) {
        return drive.extents().stream()
                .map(r -> r.id() + ":" + r.sizeBytes())
                .sorted()
                .toList();
    }

    static void checkInvariants(Drive drive) {
        DriveLabel label = drive.label();
        List<ExtentRecord.Piece> pieces = new ArrayList<>();
        for (ExtentRecord r : drive.extents()) {
            pieces.addAll(r.pieces());
            for (ExtentRecord.Piece p : r.pieces().subList(0, r.pieces().size() - 1)) {
                assertThat(p.sizeBytes() % MIB)
                        .as("a piece before the last is whole MiB")
                        .isZero();
            }
        }
        pieces.sort(Comparator.comparingLong(ExtentRecord.Piece::offset));
        long at = label.dataStart();
        long used = 0;
        for (ExtentRecord.Piece r : pieces) {
            assertThat(r.offset()).isGreaterThanOrEqualTo(at);
            assertThat(r.offset() % MIB).isZero();
            assertThat(r.end()).isLessThanOrEqualTo(label.capacityBytes());
            at = r.end();
            used += r.allocatedBytes();
        }
        assertThat(drive.usage().usedBytes()).isEqualTo(used);
        assertThat(drive.usage().freeBytes())
                .isEqualTo(label.dataBytes() - used)
                .isNotNegative();
    }

    @Property(tries = 200, seed = "20261121")
    void allocationsNeverOverlapNorLeaveTheDriveAndSurviveReopen(@ForAll("steps") List<Step> steps) throws Exception {
        MemoryBackend backend = new MemoryBackend(48 * MIB);
        Drive drive = Drive.format(backend, UUID.randomUUID(), UUID.randomUUID(), clock);
        List<ExtentRecord> finalRows = apply(drive, steps, new ArrayList<>());
        assertThat(Drive.open(backend, clock).orElseThrow().extents()).isEqualTo(finalRows);
    }

    @Property(tries = 100, seed = "20261122")
    void aCrashAtAnyWriteReopensToTheStateBeforeOrAfterTheInterruptedStep(
            @ForAll("steps") List<Step> steps, @ForAll @IntRange(min = 0, max = 200) int crashAt) throws Exception {
        CrashingBackend backend = new CrashingBackend(new MemoryBackend(48 * MIB));
        Drive drive = Drive.format(backend, UUID.randomUUID(), UUID.randomUUID(), clock);
        List<List<String>> states = new ArrayList<>();
        states.add(ids(drive));
        int[] mutations = {0};
        MemoryBackend[] image = {null};
        int[] stepAtCrash = {-1};
        backend.onMutation(b -> {
            if (mutations[0]++ == crashAt) {
                int last = b.pendingMutations() - 1;
                image[0] = b.crashImage(i -> true, last, b.pendingLength(last) / 2 / 512 * 512);
                stepAtCrash[0] = states.size() - 1;
            }
        });
        apply(drive, steps, states);
        if (image[0] == null) {
            return; // the sequence wrote less than crashAt times
        }
        Drive reopened = Drive.open(image[0], clock).orElseThrow();
        checkInvariants(reopened);
        assertThat(ids(reopened))
                .isIn(states.get(stepAtCrash[0]), states.get(Math.min(stepAtCrash[0] + 1, states.size() - 1)));
    }
}
