package dev.cairn.agent;

import dev.cairn.agent.ec.EcCounters;
import dev.cairn.agent.ec.EcVolume;
import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.nbd.server.RequestMeters;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The meters of one attached volume, every one labelled {@code volume} (its id) and {@code name}:
 *
 * <ul>
 *   <li>its NBD clients' requests, as {@link RequestMeters} under {@code cairn_agent_volume}:
 *       {@code _requests_total{op}} (reads, writes, flushes...; IOPS is their rate), {@code
 *       _read_bytes_total}, {@code _written_bytes_total}, {@code _errors_total{op,error}} (errors
 *       returned to the clients) and {@code _request_duration_seconds{op}} for read, write and
 *       flush;
 *   <li>{@code cairn_agent_volume_legs{state}}: how many of its legs are in each state ({@code
 *       IN_SYNC}, {@code SYNCING}, {@code FAILED}, {@code CONNECTING}; every state always present,
 *       so {@code cairn_agent_volume_legs{state="FAILED"} > 0} is an alert);
 *   <li>{@code cairn_agent_volume_resync_copied_bytes_total}: bytes every resync of the attachment
 *       copied (or zeroed); {@code cairn_agent_volume_resync_rate_bytes_per_second} and {@code
 *       cairn_agent_volume_resync_remaining_bytes}: of the syncs running now (0 when none);
 *   <li>{@code cairn_agent_volume_dirty_regions}: regions the write-intent bitmap marks now (the
 *       least a leg falling out now would get back, and what a detach leaves to be checked);
 *   <li>for an erasure-coded volume (its BStores count as its legs above): {@code
 *       cairn_agent_ec_rows_written_total{kind}} (rows written whole, or in part with a
 *       read-modify-write), {@code cairn_agent_ec_rows_rebuilt_total} (rows read degraded) and
 *       {@code cairn_agent_ec_regions_repaired_total} (dirty regions made consistent at attach), {@code
 *       cairn_agent_ec_degraded_writes_logged_total} (row writes logged first because a data BStore
 *       was missing), {@code cairn_agent_ec_rows_repaired_from_log_total} (rows repaired at attach
 *       from that log) and {@code cairn_agent_ec_members_rejoined_total} (BStores that failed while
 *       served and came back, caught up over the regions they missed).
 * </ul>
 *
 * Registered when the volume is attached, removed when it is detached (or moves to another
 * generation, which is attached again): a detached volume leaves no series behind.
 */
final class VolumeMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    private final RequestMeters requests;
    private final List<Meter> meters = new ArrayList<>();

    private VolumeMetrics(MeterRegistry registry, ServedVolume volume) {
        this.registry = registry;
        Tags tags = Tags.of("volume", volume.volumeId().toString(), "name", volume.name());
        this.requests = RequestMeters.register(
                registry,
                "cairn.agent.volume",
                tags,
                EnumSet.of(RequestMeters.Op.READ, RequestMeters.Op.WRITE, RequestMeters.Op.FLUSH));
        for (LegSyncState state : LegSyncState.values()) {
            meters.add(Gauge.builder("cairn.agent.volume.legs", volume, v -> count(v, state))
                    .description("Legs of the volume in each state, as the agent sees them")
                    .tags(tags.and("state", state.name()))
                    .strongReference(true)
                    .register(registry));
        }
        meters.add(FunctionCounter.builder("cairn.agent.volume.resync.copied", volume, v ->
                        (double) v.resync().copiedBytes())
                .description("Bytes the volume's resyncs copied (or zeroed) since it was attached")
                .baseUnit("bytes")
                .tags(tags)
                .register(registry));
        meters.add(gauge(
                "cairn.agent.volume.resync.rate",
                "bytes.per.second",
                "Bytes per second the volume's running resyncs copy (0 when none runs)",
                tags,
                volume,
                v -> v.resync().bytesPerSecond()));
        meters.add(gauge(
                "cairn.agent.volume.resync.remaining",
                "bytes",
                "Bytes the volume's running resyncs have left to copy (0 when none runs)",
                tags,
                volume,
                v -> remaining(v.resync())));
        meters.add(Gauge.builder("cairn.agent.volume.dirty.regions", volume, v -> (double) v.dirtyRegions())
                .description("Regions the volume's write-intent bitmap marks dirty now")
                .tags(tags)
                .strongReference(true)
                .register(registry));
        if (volume instanceof EcVolume ec) {
            erasureCounters(tags, ec.counters());
        }
    }

    /** An erasure-coded volume's rows written (whole or in part), rows rebuilt, regions repaired. */
    private void erasureCounters(Tags tags, EcCounters c) {
        meters.add(counter(
                "cairn.agent.ec.rows.written",
                "Rows (stripes) written",
                tags.and("kind", "whole"),
                c,
                EcCounters::wholeRowsWritten));
        meters.add(counter(
                "cairn.agent.ec.rows.written",
                "Rows (stripes) written",
                tags.and("kind", "partial"),
                c,
                EcCounters::partialRowsWritten));
        meters.add(counter(
                "cairn.agent.ec.rows.rebuilt",
                "Rows read degraded: chunks rebuilt from k other BStores",
                tags,
                c,
                EcCounters::rowsRebuilt));
        meters.add(counter(
                "cairn.agent.ec.regions.repaired",
                "Dirty regions made consistent when the volume was attached (the write hole, BStores catching up)",
                tags,
                c,
                EcCounters::regionsRepaired));
        meters.add(counter(
                "cairn.agent.ec.degraded.writes.logged",
                "Row writes logged first because a data BStore was missing (the degraded write hole)",
                tags,
                c,
                EcCounters::degradedWritesLogged));
        meters.add(counter(
                "cairn.agent.ec.rows.repaired.from.log",
                "Rows repaired at attach from the degraded-write log (a client died writing them degraded)",
                tags,
                c,
                EcCounters::rowsRepairedFromLog));
        meters.add(counter(
                "cairn.agent.ec.members.rejoined",
                "BStores that failed while served, answered again and were caught up over the regions they missed",
                tags,
                c,
                EcCounters::membersRejoined));
    }

    private FunctionCounter counter(
            String name, String description, Tags tags, EcCounters c, ToLongFunction<EcCounters> value) {
        return FunctionCounter.builder(name, c, x -> (double) value.applyAsLong(x))
                .description(description)
                .tags(tags)
                .register(registry);
    }

    static VolumeMetrics register(MeterRegistry registry, ServedVolume volume) {
        return new VolumeMetrics(registry, volume);
    }

    private Gauge gauge(
            String name,
            String unit,
            String description,
            Tags tags,
            ServedVolume volume,
            ToDoubleFunction<ServedVolume> value) {
        return Gauge.builder(name, volume, value)
                .description(description)
                .baseUnit(unit)
                .tags(tags)
                .strongReference(true)
                .register(registry);
    }

    private static double count(ServedVolume volume, LegSyncState state) {
        return volume.legStates().stream().filter(s -> s == state).count();
    }

    private static double remaining(AgentApi.ResyncReport r) {
        return Math.max(0, r.totalBytes() - r.doneBytes());
    }

    /** Where the NBD server reports the volume's requests. */
    RequestMeters requests() {
        return requests;
    }

    @Override
    public void close() {
        requests.close();
        meters.forEach(registry::remove);
    }
}
