package dev.cairn.dkv;

import static dev.cairn.dkv.Linearizability.ABSENT;
import static dev.cairn.dkv.Linearizability.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.dkv.Linearizability.Kind;
import dev.cairn.dkv.Linearizability.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The checker, with its reductions for unknown puts, agrees with a brute force over small random
 * histories: every subset of the unknown puts, every order of the operations kept.
 */
class LinearizabilityProperties {
    private static final long[] VALUES = {ABSENT, 1, 2, 3};

    private static List<Op> history(long seed) {
        Random r = new Random(seed);
        List<Op> ops = new ArrayList<>();
        int n = 2 + r.nextInt(6);
        for (int i = 0; i < n; i++) {
            Kind kind = r.nextInt(5) < 2 ? Kind.PUT : Kind.GET;
            long value = VALUES[r.nextInt(VALUES.length)];
            long invoked = r.nextInt(12);
            boolean unknown = kind == Kind.PUT && r.nextInt(3) == 0;
            ops.add(new Op(kind, value, invoked, unknown ? UNKNOWN : invoked + r.nextInt(5)));
        }
        return ops;
    }

    @Property(tries = 3000)
    void agreesWithABruteForce(@ForAll long seed) {
        List<Op> ops = history(seed);
        assertThat(Linearizability.check(ops)).as("%s", ops).isEqualTo(bruteForce(ops));
    }

    /** Whether some order of the known operations and some of the unknown puts is a linearization. */
    private static boolean bruteForce(List<Op> ops) {
        return order(ops, new ArrayList<>(), new boolean[ops.size()]);
    }

    private static boolean order(List<Op> ops, List<Op> placed, boolean[] used) {
        if (valid(placed)) {
            boolean allKnownPlaced = true;
            for (int i = 0; i < ops.size(); i++) {
                allKnownPlaced &= used[i] || ops.get(i).responded() == UNKNOWN;
            }
            if (allKnownPlaced) {
                return true;
            }
        } else {
            return false;
        }
        for (int i = 0; i < ops.size(); i++) {
            if (used[i]) {
                continue;
            }
            used[i] = true;
            placed.add(ops.get(i));
            boolean ok = order(ops, placed, used);
            placed.removeLast();
            used[i] = false;
            if (ok) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code placed} respects real time (no operation placed after one that began after it
     * ended) and every get reads the value of the last put before it.
     */
    private static boolean valid(List<Op> placed) {
        long value = ABSENT;
        for (int i = 0; i < placed.size(); i++) {
            Op op = placed.get(i);
            for (int j = 0; j < i; j++) {
                if (op.responded() < placed.get(j).invoked()) {
                    return false;
                }
            }
            if (op.kind() == Kind.PUT) {
                value = op.value();
            } else if (op.value() != value) {
                return false;
            }
        }
        return true;
    }
}
