package dev.cairn.systemtest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** What the REST fuzzer saw: statuses, successes per route, the slowest answer, and every failure. */
final class FuzzReport {
    private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> successes = new ConcurrentHashMap<>();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final LongAdder sent = new LongAdder();
    private final LongAdder raw = new LongAdder();
    private final LongAdder refusedChecked = new LongAdder();
    private final LongAdder rechecked = new LongAdder();
    private final AtomicLong slowestMillis = new AtomicLong();

    /**
     * Records one answer; a 5xx, a hang or (where the request did not ask for it) an I/O error is a
     * failure, reported with the request sent before it on the same worker ({@code previous}, or
     * null): a connection the server closed after that one could be the cause.
     */
    void answered(FuzzRequests.Request q, FuzzSender.Result r, FuzzRequests.Request previous) {
        sent.increment();
        if (q.raw()) {
            raw.increment();
        }
        statuses.computeIfAbsent(r.status(), s -> new LongAdder()).increment();
        slowestMillis.accumulateAndGet(r.millis(), Math::max);
        if (r.status() / 100 == 2) {
            successes.computeIfAbsent(q.route(), k -> new LongAdder()).increment();
        }
        // A body over the server's limit may be cut off by it before the client has sent it all.
        boolean tooLarge = q.body() != null && q.body().length > 1_000_000;
        if (r.status() >= 500 || r.status() == FuzzSender.HUNG || (r.status() == FuzzSender.IO_ERROR && !tooLarge)) {
            failure("status " + r.status() + " after " + r.millis() + " ms"
                    + (r.why().isEmpty() ? "" : " (" + r.why() + ")") + ": " + q
                    + (previous == null ? "" : "\n  (the request before it: " + previous + ")"));
        }
    }

    void failure(String what) {
        if (failures.size() < 50) {
            failures.add(what);
        }
    }

    void refusalChecked() {
        refusedChecked.increment();
    }

    /** A refused request's before and after differed, and was checked again once the cluster was quiet. */
    void recheck() {
        rechecked.increment();
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    long sent() {
        return sent.sum();
    }

    /** Routes that answered 2xx at least once. */
    Map<String, Long> successes() {
        Map<String, Long> out = new TreeMap<>();
        successes.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    String summary(long millis) {
        Map<Integer, Long> byStatus = new TreeMap<>();
        statuses.forEach((k, v) -> byStatus.put(k, v.sum()));
        return String.format(
                "REST fuzz: %d requests (%d raw) in %.1f s (%.0f/s); slowest answer %d ms; statuses %s;"
                        + " refused mutations checked for no change: %d (%d checked again once quiet);"
                        + " routes that succeeded: %s; failures: %d",
                sent(),
                raw.sum(),
                millis / 1000.0,
                sent() * 1000.0 / Math.max(1, millis),
                slowestMillis.get(),
                byStatus,
                refusedChecked.sum(),
                rechecked.sum(),
                successes(),
                failures.size());
    }
}
