package dev.cairn.agent.replica;

import static org.awaitility.Awaitility.await;

import dev.cairn.agent.ServedVolume;
import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.legs.io.LegTarget;
import dev.cairn.legs.io.MemoryLegs;
import dev.cairn.legs.sync.ResyncThrottle;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/** A volume of in-memory legs, attached as the agent attaches one. */
final class VolumeFixture implements AutoCloseable {
    static final long REGION = 64 * 1024;
    static final long SIZE = 128 * REGION;
    static final long HEADER = 1 << 20;

    final UUID volumeId = UUID.randomUUID();
    final List<UUID> legIds = new ArrayList<>();
    final MemoryLegs memory = new MemoryLegs();
    final List<ReplicatedVolume> attached = new ArrayList<>();
    Duration legTimeout = Duration.ofSeconds(5);
    ResyncThrottle throttle = ResyncThrottle.unlimited();
    long fillRecordEveryBytes = VolumeSettings.DEFAULT_FILL_RECORD_EVERY_BYTES;
    int copyWorkers = 2;

    VolumeFixture(int legs) {
        this(legs, SIZE + HEADER);
    }

    /** With extents of {@code extentBytes} (room for the volume to grow into). */
    VolumeFixture(int legs, long extentBytes) {
        for (int i = 0; i < legs; i++) {
            UUID id = UUID.randomUUID();
            legIds.add(id);
            memory.extent(id, extentBytes);
        }
    }

    /** The volume at {@code sizeBytes} (its legs' extents hold it), at {@code generation}. */
    VolumeSpec spec(long generation, long sizeBytes) {
        List<LegTarget> targets = new ArrayList<>();
        for (int i = 0; i < legIds.size(); i++) {
            targets.add(MemoryLegs.target(i, legIds.get(i), sizeBytes + HEADER));
        }
        return new VolumeSpec(volumeId, "v", sizeBytes, REGION, generation, targets);
    }

    MemoryLegs.Extent leg(int i) {
        return memory.extent(legIds.get(i));
    }

    VolumeSpec spec(long generation) {
        return spec(generation, legIds);
    }

    /** The volume with the legs {@code ids} (created blank in memory if new), in that order. */
    VolumeSpec spec(long generation, List<UUID> ids) {
        List<LegTarget> targets = new ArrayList<>();
        for (UUID id : ids) {
            int index = legIds.indexOf(id);
            if (index < 0) {
                index = legIds.size();
                legIds.add(id);
                memory.extent(id, SIZE + HEADER);
            }
            targets.add(MemoryLegs.target(index, id, SIZE + HEADER));
        }
        return new VolumeSpec(volumeId, "v", SIZE, REGION, generation, targets);
    }

    /** Attaches (as after a new attachment at {@code generation}) without waiting. */
    ReplicatedVolume start(long generation) {
        return start(spec(generation));
    }

    /** Attaches {@code spec} without waiting. */
    ReplicatedVolume start(VolumeSpec spec) {
        ReplicatedVolume v = ReplicatedVolume.attach(
                spec,
                memory,
                new VolumeSettings(
                        legTimeout,
                        Duration.ofMillis(20),
                        Duration.ofDays(1),
                        copyWorkers,
                        InstantSource.system(),
                        fillRecordEveryBytes),
                throttle,
                () -> {});
        attached.add(v);
        return v;
    }

    /** Attaches and waits until it serves. */
    ReplicatedVolume attach(long generation) {
        return attach(spec(generation));
    }

    /** Attaches {@code spec} and waits until it serves. */
    ReplicatedVolume attach(VolumeSpec spec) {
        ReplicatedVolume v = start(spec);
        await().atMost(Duration.ofSeconds(20)).until(() -> serving(v));
        return v;
    }

    static boolean serving(ServedVolume v) {
        return v.phase() instanceof ServedVolume.Serving;
    }

    /** What an assembling volume waits for ("" once it is not assembling). */
    static String waitingFor(ServedVolume v) {
        return v.phase() instanceof ServedVolume.Assembling a ? a.waitingFor() : "";
    }

    static void awaitAllInSync(ReplicatedVolume v) {
        await().atMost(Duration.ofSeconds(20))
                .until(() -> v.legStates().stream().allMatch(s -> s == LegSyncState.IN_SYNC));
    }

    static ByteBuffer pattern(long seed, int length) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return ByteBuffer.wrap(b);
    }

    /** The volume's bytes as leg {@code i} holds them. */
    byte[] dataOn(int i) {
        return leg(i).snapshot(HEADER, (int) SIZE);
    }

    @Override
    public void close() {
        attached.forEach(ReplicatedVolume::close);
    }
}
