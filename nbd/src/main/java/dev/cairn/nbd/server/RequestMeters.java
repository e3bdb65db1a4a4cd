package dev.cairn.nbd.server;

import dev.cairn.nbd.NbdProtocol;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.LongStream;

/**
 * Counts the requests an NBD export answers, as Micrometer meters named {@code PREFIX_...}:
 *
 * <ul>
 *   <li>{@code PREFIX_requests_total{op}}: every request answered, success or error;
 *   <li>{@code PREFIX_read_bytes_total}, {@code PREFIX_written_bytes_total}: the data of the READs
 *       and WRITEs that succeeded;
 *   <li>{@code PREFIX_errors_total{op,error}}: requests answered with an error, by NBD error name
 *       ({@code EIO}, {@code EPERM}, {@code EINVAL}...), each created at its first occurrence;
 *   <li>{@code PREFIX_request_duration_seconds{op}}: a histogram, for the operations asked, from
 *       the request's header being read to its reply being ready (18 buckets, 25 µs to 10 s).
 * </ul>
 *
 * {@code op} is {@code read}, {@code write}, {@code flush}, {@code trim}, {@code write_zeroes},
 * {@code block_status} or {@code other} (commands the server refuses). Every meter carries the
 * given tags too (a volume's id, say).
 *
 * <p>The hot path allocates nothing: meters are resolved here, once, into arrays indexed by
 * command; a request only increments them. {@link #close} removes the meters from the registry.
 */
public final class RequestMeters implements RequestObserver, AutoCloseable {

    /** The operations, as the {@code op} label names them. */
    public enum Op {
        READ,
        WRITE,
        FLUSH,
        TRIM,
        WRITE_ZEROES,
        BLOCK_STATUS,
        OTHER;

        /** The label value. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Op of(int command) {
            return switch (command) {
                case NbdProtocol.CMD_READ -> READ;
                case NbdProtocol.CMD_WRITE -> WRITE;
                case NbdProtocol.CMD_FLUSH -> FLUSH;
                case NbdProtocol.CMD_TRIM -> TRIM;
                case NbdProtocol.CMD_WRITE_ZEROES -> WRITE_ZEROES;
                case NbdProtocol.CMD_BLOCK_STATUS -> BLOCK_STATUS;
                default -> OTHER;
            };
        }
    }

    /** The error values with a label of their own; any other is {@code other}. */
    private static final int[] ERRORS = {
        NbdProtocol.EPERM,
        NbdProtocol.EIO,
        NbdProtocol.ENOMEM,
        NbdProtocol.EINVAL,
        NbdProtocol.ENOSPC,
        NbdProtocol.EOVERFLOW,
        NbdProtocol.ENOTSUP,
        NbdProtocol.ESHUTDOWN
    };

    /**
     * The latency histogram's buckets: 1, 2.5 and 5 per decade from 25 µs (a page-cache hit) to 10 s
     * (past the agent's leg timeout). Micrometer's own percentile histogram has about 100 buckets
     * over that range; a volume has three timers and an agent many volumes, so 18 it is.
     */
    private static final Duration[] LATENCY_BUCKETS = LongStream.of(
                    25,
                    50,
                    100,
                    250,
                    500,
                    1_000,
                    2_500,
                    5_000,
                    10_000,
                    25_000,
                    50_000,
                    100_000,
                    250_000,
                    500_000,
                    1_000_000,
                    2_500_000,
                    5_000_000,
                    10_000_000)
            .mapToObj(micros -> Duration.ofNanos(micros * 1_000))
            .toArray(Duration[]::new);

    /** Commands 0 to this (exclusive) are looked up in an array; every other command is OTHER. */
    private static final int COMMANDS = 8;

    /** The meters of one operation. */
    private final class OpMeters {
        final Op op;
        final Counter requests;
        /** Null when the operation is not timed. */
        final Timer duration;
        /** By error (index in ERRORS, then one for any other), made at the first such error. */
        final AtomicReferenceArray<Counter> errors = new AtomicReferenceArray<>(ERRORS.length + 1);

        OpMeters(Op op, boolean timed) {
            this.op = op;
            Tags opTags = tags.and("op", op.label());
            this.requests = keep(Counter.builder(prefix + ".requests")
                    .description("NBD requests answered, with or without an error")
                    .tags(opTags)
                    .register(registry));
            this.duration = timed
                    ? keep(Timer.builder(prefix + ".request.duration")
                            .description("NBD request latency, from its header read to its reply ready")
                            .tags(opTags)
                            .serviceLevelObjectives(LATENCY_BUCKETS)
                            .register(registry))
                    : null;
        }
    }

    private final MeterRegistry registry;
    private final String prefix;
    private final Tags tags;
    /** Indexed by command value. */
    private final OpMeters[] byCommand = new OpMeters[COMMANDS];

    private final OpMeters other;
    private final Counter readBytes;
    private final Counter writtenBytes;
    private final List<Meter> meters = new ArrayList<>();
    private boolean closed;

    private RequestMeters(MeterRegistry registry, String prefix, Tags tags, Set<Op> timed) {
        this.registry = registry;
        this.prefix = prefix;
        this.tags = tags;
        Map<Op, OpMeters> byOp = new EnumMap<>(Op.class);
        for (Op op : Op.values()) {
            byOp.put(op, new OpMeters(op, timed.contains(op)));
        }
        for (int c = 0; c < COMMANDS; c++) {
            byCommand[c] = byOp.get(Op.of(c));
        }
        this.other = byOp.get(Op.OTHER);
        this.readBytes = keep(Counter.builder(prefix + ".read")
                .baseUnit("bytes")
                .description("Bytes of the READs answered without an error")
                .tags(tags)
                .register(registry));
        this.writtenBytes = keep(Counter.builder(prefix + ".written")
                .baseUnit("bytes")
                .description("Bytes of the WRITEs answered without an error")
                .tags(tags)
                .register(registry));
    }

    /**
     * Registers the meters named {@code prefix} (dotted, e.g. {@code cairn.node.nbd}) with {@code
     * tags} on every one, and a latency histogram for each operation in {@code timed}.
     */
    public static RequestMeters register(MeterRegistry registry, String prefix, Tags tags, Set<Op> timed) {
        return new RequestMeters(registry, prefix, tags, timed);
    }

    private <M extends Meter> M keep(M meter) {
        meters.add(meter);
        return meter;
    }

    @Override
    public void onReply(int command, long bytes, long nanos, int errno) {
        OpMeters m = command >= 0 && command < COMMANDS ? byCommand[command] : other;
        m.requests.increment();
        if (m.duration != null) {
            m.duration.record(nanos, TimeUnit.NANOSECONDS);
        }
        if (errno != 0) {
            countError(m, errno);
        } else if (m.op == Op.READ) {
            readBytes.increment((double) bytes);
        } else if (m.op == Op.WRITE) {
            writtenBytes.increment((double) bytes);
        }
    }

    private void countError(OpMeters m, int errno) {
        int kind = ERRORS.length;
        for (int k = 0; k < ERRORS.length; k++) {
            if (ERRORS[k] == errno) {
                kind = k;
                break;
            }
        }
        Counter c = m.errors.get(kind);
        if (c == null) {
            c = createError(m, kind);
        }
        if (c != null) {
            c.increment();
        }
    }

    /**
     * The first error of its kind: registers its counter. Null once closed, so that a request
     * finishing late leaves no meter behind.
     */
    private synchronized Counter createError(OpMeters m, int kind) {
        if (closed) {
            return null;
        }
        Counter c = m.errors.get(kind);
        if (c == null) {
            String error = kind < ERRORS.length ? NbdProtocol.errorName(ERRORS[kind]) : "other";
            c = keep(Counter.builder(prefix + ".errors")
                    .description("NBD requests answered with an error, by error")
                    .tags(tags.and("op", m.op.label(), "error", error))
                    .register(registry));
            m.errors.set(kind, c);
        }
        return c;
    }

    /** Removes every meter from the registry (an export that is gone); later requests count nowhere. */
    @Override
    public synchronized void close() {
        closed = true;
        meters.forEach(registry::remove);
        meters.clear();
    }
}
