package dev.cairn.agent.ec;

import static org.awaitility.Awaitility.await;

import dev.cairn.agent.replica.VolumeSettings;
import dev.cairn.legs.io.LegIo;
import dev.cairn.legs.io.LegTarget;
import dev.cairn.legs.io.MemoryLegs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/** An erasure-coded volume over in-memory BStores, attached as the agent attaches one. */
final class EcFixture implements AutoCloseable {
    final StripeGeometry geometry;
    final UUID volumeId = UUID.randomUUID();
    final MemoryLegs memory = new MemoryLegs();
    /** Per PStore, its members' extent ids in member order. */
    final List<List<UUID>> extents = new ArrayList<>();

    final List<EcVolume> attached = new ArrayList<>();
    Duration timeout = Duration.ofSeconds(5);

    EcFixture(StripeGeometry geometry) {
        this(geometry, geometry);
    }

    /** A volume of {@code geometry} whose BStores' extents are as large as {@code room} needs them. */
    EcFixture(StripeGeometry geometry, StripeGeometry room) {
        this.geometry = geometry;
        addPStores(geometry.pstores(), room);
    }

    /** PStores up to {@code count}, their extents as large as {@code room} needs them. */
    private void addPStores(int count, StripeGeometry room) {
        for (int p = extents.size(); p < count; p++) {
            List<UUID> members = new ArrayList<>();
            for (int i = 0; i < room.width(); i++) {
                UUID id = UUID.randomUUID();
                memory.extent(id, room.bstoreBytes(p));
                members.add(id);
            }
            extents.add(members);
        }
    }

    /** The controller's view of the volume grown to {@code grown}: the new PStores' BStores made. */
    EcSpec grownSpec(long generation, StripeGeometry grown) {
        addPStores(grown.pstores(), grown);
        return spec(generation, grown);
    }

    /** Entries of the degraded-write log in {@link #small} volumes' headers. */
    static final int LOG_SLOTS = 4;

    /**
     * A {@code k+m} volume of {@code volumeBytes} with chunks of 4 KiB, PStores of 4 rows, regions
     * of 2 rows, and {@value #LOG_SLOTS} entries of the degraded-write log.
     */
    static EcFixture small(int k, int m, long volumeBytes) {
        return new EcFixture(new StripeGeometry(
                k, m, 4096, 4L * k * 4096, 2, 2 * 4096 + LOG_SLOTS * (4096 + m * 4096), volumeBytes));
    }

    /** Attaches at generation 1, writes random bytes of {@code seed} over the whole volume, detaches; those bytes. */
    byte[] filled(long seed) throws IOException {
        byte[] image = EcVolumeTest.random(seed, (int) geometry.volumeBytes());
        EcVolume first = attach(1);
        first.write(0, ByteBuffer.wrap(image), false);
        first.close();
        return image;
    }

    MemoryLegs.Extent member(int pstore, int index) {
        return memory.extent(extents.get(pstore).get(index));
    }

    /** Writes {@code bytes} at {@code offset} of a member straight to its extent, as no agent would. */
    void writeBehindItsBack(int pstore, int member, long offset, byte[] bytes) throws Exception {
        UUID id = extents.get(pstore).get(member);
        try (LegIo direct = memory.connect(MemoryLegs.target(member, id, geometry.bstoreBytes(pstore)))) {
            LegIo.await(direct.write(offset, ByteBuffer.wrap(bytes), true), Duration.ofSeconds(5));
        }
    }

    EcSpec spec(long generation) {
        return spec(generation, geometry);
    }

    private EcSpec spec(long generation, StripeGeometry g) {
        List<List<LegTarget>> pstores = new ArrayList<>();
        for (int p = 0; p < g.pstores(); p++) {
            List<LegTarget> targets = new ArrayList<>();
            for (int i = 0; i < g.width(); i++) {
                targets.add(MemoryLegs.target(i, extents.get(p).get(i), g.bstoreBytes(p)));
            }
            pstores.add(targets);
        }
        return new EcSpec(volumeId, "ec", generation, g, pstores);
    }

    /** Attaches at {@code generation} and waits until its first assembly ended (served or not). */
    EcVolume attach(long generation) {
        return attach(spec(generation));
    }

    /** Attaches as {@code spec} says and waits until its first assembly ended (served or not). */
    EcVolume attach(EcSpec spec) {
        CompletableFuture<Void> assembled = new CompletableFuture<>();
        EcVolume v = EcVolume.attach(
                spec,
                memory,
                new VolumeSettings(timeout, Duration.ofMillis(20), Duration.ofDays(1), 2, InstantSource.system()),
                () -> assembled.complete(null));
        attached.add(v);
        await().atMost(Duration.ofSeconds(10)).until(assembled::isDone);
        return v;
    }

    @Override
    public void close() {
        attached.forEach(EcVolume::close);
    }
}
