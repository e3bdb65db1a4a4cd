package dev.cairn.drive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.drive.backend.MemoryBackend;
import dev.cairn.testkit.FakeClock;
import java.nio.ByteBuffer;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Damaged or foreign metadata is detected and named, never silently used. */
class DriveDamageTest {
    final FakeClock clock = new FakeClock();
    MemoryBackend backend;
    Drive drive;
    UUID extent;

    @BeforeEach
    void setUp() throws Exception {
        backend = new MemoryBackend(64L << 20);
        drive = Drive.format(backend, UUID.randomUUID(), UUID.randomUUID(), clock);
        extent = drive.allocate(UUID.randomUUID(), 1 << 20, ExtentAccess.OPEN).id();
        drive.allocate(UUID.randomUUID(), 1 << 20, ExtentAccess.OPEN);
    }

    private void flipByte(long at) {
        ByteBuffer b = ByteBuffer.allocate(1);
        backend.read(at, b);
        backend.write(at, ByteBuffer.wrap(new byte[] {(byte) (b.get(0) ^ 0x5a)}));
    }

    @Test
    void aDamagedLabelIsReportedNotIgnored() {
        flipByte(40);
        assertThatThrownBy(() -> Drive.open(backend, clock))
                .isInstanceOf(DriveException.class)
                .hasMessageContaining("drive label checksum mismatch");
    }

    @Test
    void aLabelFromAnotherFormatVersionIsReported() {
        backend.write(8, ByteBuffer.allocate(4).putInt(0, 9));
        assertThatThrownBy(() -> Drive.open(backend, clock))
                .isInstanceOf(DriveException.class)
                .hasMessageContaining("format version 9");
    }

    @Test
    void aDamagedNewestTableCopyFallsBackToThePreviousState() throws Exception {
        DriveLabel label = drive.label();
        // Three stores so far: empty (A), first extent (B), second extent (A). A is newest.
        flipByte(label.tableCopyA() + ExtentTable.HEADER + 5);
        Drive reopened = Drive.open(backend, clock).orElseThrow();
        assertThat(reopened.extents()).extracting(ExtentRecord::id).containsExactly(extent);
    }

    @Test
    void bothTableCopiesDamagedIsAnErrorNotAnEmptyDrive() {
        DriveLabel label = drive.label();
        flipByte(label.tableCopyA() + 20);
        flipByte(label.tableCopyB() + 20);
        assertThatThrownBy(() -> Drive.open(backend, clock))
                .isInstanceOf(DriveException.class)
                .hasMessageContaining("both extent table copies are damaged");
    }

    @Test
    void aTruncatedMediumIsRefused() {
        MemoryBackend shorter = new MemoryBackend(32L << 20);
        ByteBuffer head = ByteBuffer.allocate((int) drive.label().dataStart());
        backend.read(0, head);
        shorter.write(0, head.flip());
        assertThatThrownBy(() -> Drive.open(shorter, clock))
                .isInstanceOf(DriveException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void aTableCopyOfAnotherDriveIsIgnored() throws Exception {
        MemoryBackend other = new MemoryBackend(64L << 20);
        Drive otherDrive = Drive.format(other, UUID.randomUUID(), UUID.randomUUID(), clock);
        for (int i = 0; i < 3; i++) {
            otherDrive.allocate(UUID.randomUUID(), 1 << 20, ExtentAccess.OPEN);
        }
        DriveLabel label = drive.label();
        // Our copies: A=3 (newest), B=2. The other drive's copy B has sequence 4: newer, but foreign.
        ByteBuffer foreign = ByteBuffer.allocate(4096);
        other.read(label.tableCopyB(), foreign);
        backend.write(label.tableCopyB(), foreign.flip());
        Drive reopened = Drive.open(backend, clock).orElseThrow();
        assertThat(reopened.extents()).hasSize(2);
    }
}
