package dev.cairn.dkv;

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

    private record State(BitSet done, long value, boolean mustRead) {}

    private Linearizability(List<Op> ops) {
        this.ops = List.copyOf(ops);
    }

    /**
     * Stack for the search, which goes one call deeper per operation placed: a history of tens of
     * thousands of operations overflowed a default thread's stack. Reserved, not committed, memory.
     */
    private static final long STACK_BYTES = 1L << 30;

    /** Whether {@code history}, starting from no value, is linearizable. */
    public static boolean check(List<Op> history) {
        Linearizability checker = new Linearizability(history);
        java.util.concurrent.CompletableFuture<Boolean> result = new java.util.concurrent.CompletableFuture<>();
        Thread search = new Thread(
                null,
                () -> {
                    try {
                        result.complete(checker.search(new BitSet(), ABSENT, false));
                    } catch (Throwable e) {
                        result.completeExceptionally(e);
                    }
                },
                "linearizability",
                STACK_BYTES);
        search.start();
        return result.join();
    }

    /**
     * Searches on from the operations {@code done}, the register holding {@code value}. Three
     * reductions keep histories with many unknown puts (a put retried while a mirror is down leaves
     * one per attempt) from blowing up, all sound since an unknown put may always be left out: one
     * is placed only if a get of its value comes next ({@code mustRead}), since one that a put
     * follows, or nothing, can be dropped from any linearization; only if it changes the value, since
     * one that does not can be dropped too; and among unknown puts of one value that may be placed
     * now, only the first is tried, since they are interchangeable (every one stays placeable from
     * now on, the horizon only rising).
     */
    private boolean search(BitSet done, long value, boolean mustRead) {
        long horizon = UNKNOWN;
        boolean required = false;
        for (int i = 0; i < ops.size(); i++) {
            if (!done.get(i) && ops.get(i).responded() != UNKNOWN) {
                horizon = Math.min(horizon, ops.get(i).responded());
                required = true;
            }
        }
        if (!required) {
            return !mustRead;
        }
        if (!seen.add(new State((BitSet) done.clone(), value, mustRead))) {
            return false;
        }
        Set<Long> unknownTried = new HashSet<>();
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            if (done.get(i) || op.invoked() > horizon) {
                continue;
            }
            boolean next;
            if (op.kind() == Kind.GET) {
                next = op.value() == value;
            } else {
                next = !mustRead
                        && (op.responded() != UNKNOWN || (op.value() != value && unknownTried.add(op.value())));
            }
            if (!next) {
                continue;
            }
            done.set(i);
            boolean ok = search(
                    done,
                    op.kind() == Kind.PUT ? op.value() : value,
                    op.kind() == Kind.PUT && op.responded() == UNKNOWN);
            done.clear(i);
            if (ok) {
                return true;
            }
        }
        return false;
    }
}
