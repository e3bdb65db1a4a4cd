package dev.cairn.dkv;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A linearizability checker for one key's history of puts, deletes and gets (a register), in the
 * manner of Wing and Gong with Lowe's memoisation: it searches for an order of the operations that
 * respects real time (an operation that completed before another began comes first) and in which
 * every get returns the value of the last put before it. Values are numbers; {@link #ABSENT} is "no
 * value" (never put, or deleted). An operation whose outcome is unknown (it failed, or never
 * completed) may take effect at any time after it began, or never.
 */
public final class Linearizability {
    public static final long ABSENT = Long.MIN_VALUE;
    /** The response time of an operation whose outcome is unknown. */
    public static final long UNKNOWN = Long.MAX_VALUE;

    public enum Kind {
        PUT,
        GET
    }

    /** A put (of {@code value}; a delete puts {@link #ABSENT}) or a get (that returned {@code value}). */
    public record Op(Kind kind, long value, long invoked, long responded) {
        public Op {
            if (responded < invoked) {
                throw new IllegalArgumentException("responded at " + responded + " before invoked at " + invoked);
            }
            if (kind == Kind.GET && responded == UNKNOWN) {
                throw new IllegalArgumentException("a get whose outcome is unknown says nothing; leave it out");
            }
        }
    }

    private final List<Op> ops;
    private final Set<State> seen = new HashSet<>();

    private record State(BitSet done, long value) {}

    private Linearizability(List<Op> ops) {
        this.ops = List.copyOf(ops);
    }

    /** Whether {@code history}, starting from no value, is linearizable. */
    public static boolean check(List<Op> history) {
        return new Linearizability(history).search(new BitSet(), ABSENT);
    }

    private boolean search(BitSet done, long value) {
        long horizon = UNKNOWN;
        boolean required = false;
        for (int i = 0; i < ops.size(); i++) {
            if (!done.get(i) && ops.get(i).responded() != UNKNOWN) {
                horizon = Math.min(horizon, ops.get(i).responded());
                required = true;
            }
        }
        if (!required) {
            return true;
        }
        if (!seen.add(new State((BitSet) done.clone(), value))) {
            return false;
        }
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            if (!done.get(i) && ops.get(i).invoked() <= horizon) {
                candidates.add(i);
            }
        }
        for (int i : candidates) {
            Op op = ops.get(i);
            if (op.kind() == Kind.GET && op.value() != value) {
                continue;
            }
            done.set(i);
            boolean ok = search(done, op.kind() == Kind.PUT ? op.value() : value);
            done.clear(i);
            if (ok) {
                return true;
            }
        }
        return false;
    }
}
