package dev.cairn.drive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.drive.backend.MemoryBackend;
import dev.cairn.testkit.FakeClock;
import dev.cairn.testkit.Patterns;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class DriveTest {
    static final long MIB = 1 << 20;
    final FakeClock clock = new FakeClock();
    final UUID nodeId = UUID.randomUUID();

    Drive format(MemoryBackend backend) throws Exception {
        return Drive.format(backend, UUID.randomUUID(), nodeId, clock);
    }

    static ByteBuffer pattern(int length, long seed) {
        return Patterns.random(length, seed);
    }

    static ByteBuffer read(Extent e, long offset, int length) throws Exception {
        ByteBuffer dst = ByteBuffer.allocate(length);
        e.read(offset, dst);
        return dst.flip();
    }

    @Test
    void aFormattedDriveOpensWithItsLabelAndNoExtents() throws Exception {
        MemoryBackend backend = new MemoryBackend(64 * MIB);
        Drive drive = format(backend);
        DriveLabel label = drive.label();
        assertThat(label.nodeId()).isEqualTo(nodeId);
        assertThat(label.capacityBytes()).isEqualTo(64 * MIB);
        assertThat(label.formattedAtMillis()).isEqualTo(clock.millis());
        assertThat(label.dataStart() % MIB).isZero();

        Drive reopened = Drive.open(backend, clock).orElseThrow();
        assertThat(reopened.label()).isEqualTo(label);
        assertThat(reopened.extents()).isEmpty();
        assertThat(reopened.usage()).isEqualTo(new SpaceUsage(label.dataBytes(), 0, label.dataBytes(), 0));
    }

    @Test
    void blankMediaAreRecognisedAndUnlabelledOnesDoNotOpen() throws Exception {
        MemoryBackend blank = new MemoryBackend(64 * MIB);
        assertThat(Drive.isBlank(blank)).isTrue();
        assertThat(Drive.open(blank, clock)).isEmpty();

        MemoryBackend foreign = new MemoryBackend(64 * MIB);
        foreign.write(100, pattern(10, 1));
        assertThat(Drive.isBlank(foreign)).isFalse();
        assertThat(Drive.open(foreign, clock)).isEmpty();

        MemoryBackend formatted = new MemoryBackend(64 * MIB);
        format(formatted);
        assertThat(Drive.isBlank(formatted)).isFalse();
    }

    @Test
    void aTooSmallMediumIsRefused() {
        assertThatThrownBy(() -> format(new MemoryBackend(4 * MIB)))
                .isInstanceOf(DriveException.class)
                .hasMessageContaining("needs at least");
    }

    @Test
    void extentsAreAlignedDisjointAndAccounted() throws Exception {
        Drive drive = format(new MemoryBackend(64 * MIB));
        Extent a = drive.allocate(UUID.randomUUID(), 4096, ExtentAccess.OPEN);
        Extent b = drive.allocate(UUID.randomUUID(), 3 * MIB, ExtentAccess.OPEN);
        List<ExtentRecord> rows = drive.extents();
        assertThat(rows).extracting(ExtentRecord::id).containsExactly(a.id(), b.id());
        assertThat(rows.get(0).offset() % MIB).isZero();
        assertThat(rows.get(1).offset())
                .isGreaterThanOrEqualTo(rows.get(0).offset() + rows.get(0).allocatedBytes());
        assertThat(drive.usage().usedBytes()).isEqualTo(4 * MIB);
        assertThat(drive.usage().extentCount()).isEqualTo(2);
        assertThat(a.sizeBytes()).isEqualTo(4096);
    }

    @Test
    void sizesMustBePositiveMultiplesOf4KiB() throws Exception {
        Drive drive = format(new MemoryBackend(64 * MIB));
        for (long bad : new long[] {0, -4096, 4097, 100}) {
            assertThatThrownBy(() -> drive.allocate(UUID.randomUUID(), bad, ExtentAccess.OPEN))
                    .isInstanceOf(DriveException.class)
                    .hasMessage("extent size " + bad + " is not a positive multiple of 4096")
                    .extracting(e -> ((DriveException) e).reason())
                    .isEqualTo(DriveException.Reason.INVALID);
        }
        assertThat(drive.extents()).isEmpty();
    }

    @Test
    void allocationFailsClearlyWhenSpaceIsShortAndChangesNothing() throws Exception {
        MemoryBackend backend = new MemoryBackend(64 * MIB);
        Drive drive = format(backend);
        long data = drive.label().dataBytes();
        drive.allocate(UUID.randomUUID(), data - 2 * MIB, ExtentAccess.OPEN);
        List<ExtentRecord> before = drive.extents();
        assertThatThrownBy(() -> drive.allocate(UUID.randomUUID(), 3 * MIB, ExtentAccess.OPEN))
                .isInstanceOf(DriveException.class)
                .hasMessageContaining("no free gap of 3145728 bytes")
                .hasMessageContaining("free 2097152, largest gap 2097152")
                .extracting(e -> ((DriveException) e).reason())
                .isEqualTo(DriveException.Reason.NO_SPACE);
        assertThat(drive.extents()).isEqualTo(before);
        assertThat(Drive.open(backend, clock).orElseThrow().extents()).isEqualTo(before);
    }

    @Test
    void aDuplicateIdIsAConflict() throws Exception {
        Drive drive = format(new MemoryBackend(64 * MIB));
        UUID id = UUID.randomUUID();
        drive.allocate(id, MIB, ExtentAccess.OPEN);
        assertThatThrownBy(() -> drive.allocate(id, MIB, ExtentAccess.OPEN))
                .isInstanceOf(DriveException.class)
                .hasMessageContaining("already exists")
                .extracting(e -> ((DriveException) e).reason())
                .isEqualTo(DriveException.Reason.CONFLICT);
    }

    @Test
    void freeingErasesTheBytesBeforeTheSpaceIsReused() throws Exception {
        Drive drive = format(new MemoryBackend(64 * MIB));
        Extent first = drive.allocate(UUID.randomUUID(), 2 * MIB, ExtentAccess.OPEN);
        long offset = drive.extents().getFirst().offset();
        first.write(0, pattern((int) (2 * MIB), 7), false);
        drive.free(first.id());
        assertThat(drive.extent(first.id())).isEmpty();
        assertThat(drive.usage().usedBytes()).isZero();

        Extent second = drive.allocate(UUID.randomUUID(), 2 * MIB, ExtentAccess.OPEN);
        assertThat(drive.extents().getFirst().offset()).isEqualTo(offset);
        assertThat(read(second, 0, (int) (2 * MIB))).isEqualTo(ByteBuffer.allocate((int) (2 * MIB)));
    }

    @Test
    void aFreedExtentRefusesIoAndUnknownIdsAreNotFound() throws Exception {
        Drive drive = format(new MemoryBackend(64 * MIB));
        Extent e = drive.allocate(UUID.randomUUID(), MIB, ExtentAccess.OPEN);
        drive.free(e.id());
        assertThatThrownBy(() -> read(e, 0, 10))
                .isInstanceOf(DriveException.class)
                .hasMessageContaining("is being freed");
        assertThatThrownBy(() -> drive.free(e.id()))
                .isInstanceOf(DriveException.class)
                .extracting(x -> ((DriveException) x).reason())
                .isEqualTo(DriveException.Reason.NOT_FOUND);
    }

    @Test
    void blockIoIsBoundedByTheExtent() throws Exception {
        Drive drive = format(new MemoryBackend(64 * MIB));
        Extent a = drive.allocate(UUID.randomUUID(), 8192, ExtentAccess.OPEN);
        Extent b = drive.allocate(UUID.randomUUID(), 8192, ExtentAccess.OPEN);
        b.write(0, pattern(8192, 3), false);
        assertThatThrownBy(() -> a.write(4096, ByteBuffer.allocate(4097), false))
                .isInstanceOf(DriveException.class)
                .hasMessageContaining("is outside extent");
        assertThatThrownBy(() -> a.discard(-1, 2)).isInstanceOf(DriveException.class);
        assertThatThrownBy(() -> a.writeZeroes(8192, 1, true)).isInstanceOf(DriveException.class);
        assertThatThrownBy(() -> a.allocation(0, 8193)).isInstanceOf(DriveException.class);
        a.writeZeroes(0, 8192, true);
        a.discard(0, 8192);
        assertThat(read(b, 0, 8192)).isEqualTo(pattern(8192, 3));
    }

    @Test
    void allocationMapIsRelativeToTheExtent() throws Exception {
        Drive drive = format(new MemoryBackend(64 * MIB));
        Extent e = drive.allocate(UUID.randomUUID(), 4 * MIB, ExtentAccess.OPEN);
        e.write(MIB, pattern(4096, 1), false);
        assertThat(e.allocation(0, 4 * MIB))
                .extracting(r -> r.position() + ":" + r.length() + ":" + r.hole())
                .containsExactly("0:1048576:true", "1048576:4096:false", "1052672:3141632:true");
    }

    @Test
    void accessIsPersistedAndTheGenerationNeverGoesBack() throws Exception {
        MemoryBackend backend = new MemoryBackend(64 * MIB);
        Drive drive = format(backend);
        Extent e = drive.allocate(UUID.randomUUID(), MIB, new ExtentAccess(3, "s3cret"));
        drive.setAccess(e.id(), new ExtentAccess(4, "n3w"));
        assertThat(e.access()).isEqualTo(new ExtentAccess(4, "n3w"));
        assertThatThrownBy(() -> drive.setAccess(e.id(), new ExtentAccess(2, "n3w")))
                .isInstanceOf(DriveException.class)
                .hasMessageContaining("generation 2 of extent " + e.id() + " is older than its current 4");
        Drive reopened = Drive.open(backend, clock).orElseThrow();
        assertThat(reopened.extent(e.id()).orElseThrow().access()).isEqualTo(new ExtentAccess(4, "n3w"));
        assertThat(reopened.extents().getFirst().createdAtMillis()).isEqualTo(clock.millis());
    }

    @Test
    void secretsAreCheckedInConstantTimeAndValidated() {
        ExtentAccess access = new ExtentAccess(1, "abc");
        assertThat(access.secretMatches("abc")).isTrue();
        assertThat(access.secretMatches("abd")).isFalse();
        assertThat(access.secretMatches("")).isFalse();
        assertThat(access.toString()).doesNotContain("abc");
        assertThatThrownBy(() -> new ExtentAccess(0, "x".repeat(65))).hasMessageContaining("at most 64");
        assertThatThrownBy(() -> new ExtentAccess(0, "a;b")).hasMessageContaining("may only contain");
        assertThatThrownBy(() -> new ExtentAccess(-1, "")).hasMessageContaining("must not be negative");
    }
}
