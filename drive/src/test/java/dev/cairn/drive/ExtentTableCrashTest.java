package dev.cairn.drive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.drive.backend.CrashingBackend;
import dev.cairn.drive.backend.MemoryBackend;
import dev.cairn.testkit.FakeClock;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Power loss in the middle of every metadata update: for each write the update issues, the drive
 * is rebuilt as it would be if power failed while that write was in flight (lost, torn at every
 * sector boundary, or complete). Every such image must open, with the table either as it was
 * before the update or as it is after it, and no extent's data may change.
 */
class ExtentTableCrashTest {
    final FakeClock clock = new FakeClock();

    private record Scenario(Drive drive, CrashingBackend backend, UUID kept, UUID victim) {}

    private Scenario scenario() throws Exception {
        CrashingBackend backend = new CrashingBackend(new MemoryBackend(64L << 20));
        Drive drive = Drive.format(backend, UUID.randomUUID(), UUID.randomUUID(), clock);
        Extent kept = drive.allocate(UUID.randomUUID(), 1 << 20, new ExtentAccess(1, "a"));
        Extent victim = drive.allocate(UUID.randomUUID(), 2 << 20, ExtentAccess.OPEN);
        kept.write(0, DriveTest.pattern(4096, 1), false);
        victim.write(0, DriveTest.pattern(4096, 2), false);
        backend.sync();
        return new Scenario(drive, backend, kept.id(), victim.id());
    }

    /** Crash images for every pending write of the update, at every sector boundary. */
    private static List<MemoryBackend> crashImagesDuring(CrashingBackend backend, ThrowingRunnable update)
            throws Exception {
        List<MemoryBackend> images = new ArrayList<>();
        backend.onMutation(b -> {
            int last = b.pendingMutations() - 1;
            long length = b.pendingLength(last);
            // every sector boundary of metadata writes; 16 evenly spaced ones of large data erasures
            long sectors = (length + CrashingBackend.SECTOR - 1) / CrashingBackend.SECTOR;
            long step = Math.max(1, sectors / 16) * CrashingBackend.SECTOR;
            for (long torn = 0; torn < length; torn += step) {
                images.add(b.crashImage(i -> true, last, torn));
            }
            images.add(b.crashImage(i -> true, last, length));
        });
        update.run();
        backend.onMutation(b -> {});
        assertThat(images).isNotEmpty();
        return images;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    private Set<UUID> idsAfterCrash(MemoryBackend image, UUID kept) throws Exception {
        Drive reopened = Drive.open(image, clock).orElseThrow();
        assertThat(DriveTest.read(reopened.extent(kept).orElseThrow(), 0, 4096)).isEqualTo(DriveTest.pattern(4096, 1));
        Set<UUID> ids = new java.util.HashSet<>();
        reopened.extents().forEach(r -> ids.add(r.id()));
        return ids;
    }

    @Test
    void crashDuringAllocateLeavesTheOldOrTheNewTable() throws Exception {
        Scenario s = scenario();
        UUID fresh = UUID.randomUUID();
        List<MemoryBackend> images =
                crashImagesDuring(s.backend(), () -> s.drive().allocate(fresh, 1 << 20, ExtentAccess.OPEN));
        Set<Set<UUID>> seen = new java.util.HashSet<>();
        for (MemoryBackend image : images) {
            Set<UUID> ids = idsAfterCrash(image, s.kept());
            assertThat(ids).isIn(Set.of(s.kept(), s.victim()), Set.of(s.kept(), s.victim(), fresh));
            seen.add(ids);
        }
        assertThat(seen).hasSize(2);
    }

    @Test
    void crashDuringSetAccessLeavesTheOldOrTheNewRule() throws Exception {
        Scenario s = scenario();
        List<MemoryBackend> images =
                crashImagesDuring(s.backend(), () -> s.drive().setAccess(s.kept(), new ExtentAccess(2, "b")));
        Set<ExtentAccess> seen = new java.util.HashSet<>();
        for (MemoryBackend image : images) {
            ExtentAccess access = Drive.open(image, clock)
                    .orElseThrow()
                    .extent(s.kept())
                    .orElseThrow()
                    .access();
            assertThat(access).isIn(new ExtentAccess(1, "a"), new ExtentAccess(2, "b"));
            seen.add(access);
        }
        assertThat(seen).hasSize(2);
    }

    @Test
    void crashDuringFreeNeverLeaksSpaceNorExposesTheOldBytes() throws Exception {
        Scenario s = scenario();
        long victimOffset = s.drive().extents().stream()
                .filter(r -> r.id().equals(s.victim()))
                .findFirst()
                .orElseThrow()
                .offset();
        List<MemoryBackend> images =
                crashImagesDuring(s.backend(), () -> s.drive().free(s.victim()));
        int resumed = 0;
        for (MemoryBackend image : images) {
            Set<UUID> ids = idsAfterCrash(image, s.kept());
            if (ids.contains(s.victim())) {
                // crashed before ERASING was durable: the extent is intact and usable
                continue;
            }
            resumed++;
            // ERASING was durable: opening finished the erase; the bytes are gone, the space is free
            assertThat(ids).containsExactly(s.kept());
            ByteBuffer b = ByteBuffer.allocate(4096);
            image.read(victimOffset, b);
            assertThat(b.flip()).isEqualTo(ByteBuffer.allocate(4096));
        }
        assertThat(resumed).isPositive();
    }
}
