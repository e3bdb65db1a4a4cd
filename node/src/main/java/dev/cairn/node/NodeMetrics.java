package dev.cairn.node;

import dev.cairn.drive.Drive;
import dev.cairn.drive.ExtentRecord;
import dev.cairn.nbd.server.NbdServer;
import dev.cairn.nbd.server.RequestMeters;
import dev.cairn.nbd.server.ServerStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The storage node's own meters (the JVM's come with {@link dev.cairn.metrics.DaemonMetrics}):
 *
 * <ul>
 *   <li>{@code cairn_node_drive_capacity_bytes}, {@code _used_bytes}, {@code _free_bytes} per drive
 *       ({@code drive} = its id), and {@code cairn_node_capacity_bytes}, {@code
 *       cairn_node_used_bytes}, {@code cairn_node_free_bytes} for all drives: capacity is a drive's
 *       data area (what extents can use), used is what its extents take (rounded to 1 MiB);
 *   <li>{@code cairn_node_extents{state, kind}}: extents by state ({@code active}, {@code
 *       erasing}) and kind ({@code data}: legs and block stores, {@code kv}: the DKV's KV volumes);
 *   <li>{@code cairn_node_nbd_connections}: NBD connections open (negotiating or transmitting);
 *   <li>{@code cairn_node_nbd_buffer_bytes}: the NBD server's buffer memory in use (connections'
 *       input buffers and READ data, and the shared budget's write data);
 *   <li>{@code cairn_node_kv_slot_writes_total{result}}: slots written to KV volumes ({@code
 *       written}, {@code repaired} over a slot whose checksum failed, {@code kept} when it held the
 *       put or a newer one, {@code refused} when it holds another key);
 *   <li>the NBD requests of every extent together ({@link RequestMeters} under {@code
 *       cairn_node_nbd}, every operation timed): no label per extent, which would give a series
 *       per extent ever made.
 * </ul>
 *
 * Gauges are read at each scrape from the drives' in-memory tables; the request meters are
 * incremented by the NBD server on the request's own thread.
 */
final class NodeMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    private final RequestMeters nbdRequests;
    private final Map<KvExtentSession.SlotWrite, Counter> kvSlots = new EnumMap<>(KvExtentSession.SlotWrite.class);

    private NodeMetrics(MeterRegistry registry, ExtentService extents) {
        this.registry = registry;
        this.nbdRequests = RequestMeters.register(
                registry, "cairn.node.nbd", Tags.empty(), EnumSet.complementOf(EnumSet.of(RequestMeters.Op.OTHER)));
        for (KvExtentSession.SlotWrite w : KvExtentSession.SlotWrite.values()) {
            kvSlots.put(
                    w,
                    Counter.builder("cairn.node.kv.slot.writes")
                            .description("Slots written to the node's KV volumes, by what became of them"
                                    + " (repaired: written over a slot whose checksum failed)")
                            .tag("result", w.name().toLowerCase(Locale.ROOT))
                            .register(registry));
        }
        for (Drive d : extents.drives()) {
            Tags drive = Tags.of("drive", d.id().toString());
            space(
                    registry,
                    "cairn.node.drive.capacity",
                    "Data area of the drive",
                    drive,
                    () -> d.usage().dataBytes());
            space(
                    registry,
                    "cairn.node.drive.used",
                    "Bytes of the drive its extents take",
                    drive,
                    () -> d.usage().usedBytes());
            space(
                    registry,
                    "cairn.node.drive.free",
                    "Bytes of the drive no extent takes",
                    drive,
                    () -> d.usage().freeBytes());
        }
        space(
                registry,
                "cairn.node.capacity",
                "Data area of every drive",
                Tags.empty(),
                () -> extents.usage().dataBytes());
        space(
                registry,
                "cairn.node.used",
                "Bytes extents take on every drive",
                Tags.empty(),
                () -> extents.usage().usedBytes());
        space(
                registry,
                "cairn.node.free",
                "Bytes no extent takes on every drive",
                Tags.empty(),
                () -> extents.usage().freeBytes());
        for (ExtentRecord.State state : ExtentRecord.State.values()) {
            for (ExtentRecord.Kind kind : ExtentRecord.Kind.values()) {
                Gauge.builder("cairn.node.extents", () -> count(extents, state, kind))
                        .description("Extents on the node's drives, by state and kind")
                        .tag("state", state.name().toLowerCase(Locale.ROOT))
                        .tag("kind", kind.name().toLowerCase(Locale.ROOT))
                        .register(registry);
            }
        }
    }

    static NodeMetrics register(MeterRegistry registry, ExtentService extents) {
        return new NodeMetrics(registry, extents);
    }

    private static void space(MeterRegistry registry, String name, String description, Tags tags, LongSupplier bytes) {
        Gauge.builder(name, () -> bytes.getAsLong())
                .description(description)
                .tags(tags)
                .baseUnit("bytes")
                .register(registry);
    }

    private static long count(ExtentService extents, ExtentRecord.State state, ExtentRecord.Kind kind) {
        long n = 0;
        for (Drive d : extents.drives()) {
            n += d.extents().stream()
                    .filter(r -> r.state() == state && r.kind() == kind)
                    .count();
        }
        return n;
    }

    /** Where the NBD server reports every request to the node's extents. */
    RequestMeters nbdRequests() {
        return nbdRequests;
    }

    /** Counts the slots written to the node's KV volumes. */
    KvExtentSession.SlotObserver kvSlots() {
        return w -> kvSlots.get(w).increment();
    }

    /** Counts the NBD server's open connections and its buffer memory (once the server is up). */
    void watchServer(NbdServer nbd) {
        ServerStats stats = nbd.stats();
        Gauge.builder("cairn.node.nbd.connections", stats::open)
                .description("NBD connections open, negotiating or transmitting")
                .register(registry);
        Gauge.builder("cairn.node.nbd.buffer", nbd, NbdServer::bufferBytesInUse)
                .baseUnit("bytes")
                .description("NBD server buffer memory in use: connections' own and the shared write budget's")
                .register(registry);
    }

    @Override
    public void close() {
        nbdRequests.close();
    }
}
