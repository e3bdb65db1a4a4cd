package dev.cairn.drive;

import static dev.cairn.drive.DriveTest.MIB;
import static dev.cairn.drive.DriveTest.pattern;
import static dev.cairn.drive.DriveTest.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.drive.backend.AllocationRange;
import dev.cairn.drive.backend.MemoryBackend;
import dev.cairn.testkit.FakeClock;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** An extent grows without moving a byte: in place when it can, by a new piece when it cannot. */
class ExtentGrowthTest {
    private final FakeClock clock = new FakeClock();
    private final MemoryBackend backend = new MemoryBackend(64 * MIB);

    private Drive format() throws Exception {
        return Drive.format(backend, UUID.randomUUID(), UUID.randomUUID(), clock);
    }

    private static ExtentRecord row(Drive drive, UUID id) {
        return drive.extents().stream()
                .filter(r -> r.id().equals(id))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void anExtentWithFreeSpaceAfterItGrowsInPlaceAndKeepsItsBytes() throws Exception {
        Drive drive = format();
        Extent e = drive.allocate(UUID.randomUUID(), 8192, ExtentAccess.OPEN);
        e.write(0, pattern(8192, 1), false);

        assertThat(drive.grow(e.id(), 3 * MIB)).isSameAs(e);
        assertThat(e.sizeBytes()).isEqualTo(3 * MIB);
        assertThat(row(drive, e.id()).pieces()).hasSize(1);
        assertThat(read(e, 0, 8192)).isEqualTo(pattern(8192, 1));
        assertThat(read(e, 8192, (int) (3 * MIB - 8192))).isEqualTo(ByteBuffer.allocate((int) (3 * MIB - 8192)));
        e.write(3 * MIB - 4096, pattern(4096, 2), true);
        assertThat(drive.usage().usedBytes()).isEqualTo(3 * MIB);

        Drive reopened = Drive.open(backend, clock).orElseThrow();
        Extent again = reopened.extent(e.id()).orElseThrow();
        assertThat(again.sizeBytes()).isEqualTo(3 * MIB);
        assertThat(read(again, 0, 8192)).isEqualTo(pattern(8192, 1));
        assertThat(read(again, 3 * MIB - 4096, 4096)).isEqualTo(pattern(4096, 2));
    }

    @Test
    void anExtentHemmedInGrowsByANewPieceAndIoSpansTheBoundary() throws Exception {
        Drive drive = format();
        Extent a = drive.allocate(UUID.randomUUID(), MIB - 4096, ExtentAccess.OPEN);
        Extent b = drive.allocate(UUID.randomUUID(), MIB, ExtentAccess.OPEN);
        b.write(0, pattern((int) MIB, 7), false);
        a.write(0, pattern((int) (MIB - 4096), 1), false);

        drive.grow(a.id(), 3 * MIB);
        List<ExtentRecord.Piece> pieces = row(drive, a.id()).pieces();
        assertThat(pieces).hasSize(2);
        assertThat(pieces.getFirst().sizeBytes())
                .as("filled up to its MiB first")
                .isEqualTo(MIB);
        assertThat(pieces.get(1).sizeBytes()).isEqualTo(2 * MIB);
        assertThat(pieces.get(1).offset())
                .isGreaterThanOrEqualTo(row(drive, b.id()).offset() + MIB);

        // A write across the pieces' boundary, then reads of it whole and in parts.
        a.write(MIB - 8192, pattern(16384, 3), false);
        assertThat(read(a, MIB - 8192, 16384)).isEqualTo(pattern(16384, 3));
        ByteBuffer tail = read(a, MIB, 8192);
        assertThat(tail).isEqualTo(pattern(16384, 3).position(8192));
        assertThat(read(a, 0, (int) (MIB - 8192)))
                .isEqualTo(pattern((int) (MIB - 4096), 1).limit((int) (MIB - 8192)));
        assertThat(read(b, 0, (int) MIB))
                .as("the extent in the way is untouched")
                .isEqualTo(pattern((int) MIB, 7));
        ByteBuffer spanning = ByteBuffer.allocate(16384);
        assertThat(a.tryRead(MIB - 8192, spanning)).as("declined across pieces").isFalse();
        assertThat(spanning.position()).isZero();
        assertThat(a.residentView(MIB - 8192, 16384)).isEmpty();

        // Zeroes and discards across the boundary, and the allocation map in extent offsets.
        a.writeZeroes(MIB - 4096, 8192, false);
        assertThat(read(a, MIB - 4096, 8192)).isEqualTo(ByteBuffer.allocate(8192));
        List<AllocationRange> map = a.allocation(0, 3 * MIB);
        assertThat(map.getFirst().position()).isZero();
        for (int i = 1; i < map.size(); i++) {
            assertThat(map.get(i).position()).isEqualTo(map.get(i - 1).end());
        }
        assertThat(map.getLast().end()).isEqualTo(3 * MIB);

        Drive reopened = Drive.open(backend, clock).orElseThrow();
        assertThat(reopened.extents()).isEqualTo(drive.extents());
        assertThat(read(reopened.extent(a.id()).orElseThrow(), MIB + 4096, 4096))
                .isEqualTo(pattern(16384, 3).position(12288));
    }

    @Test
    void freeingAGrownExtentErasesAndReturnsEveryPiece() throws Exception {
        Drive drive = format();
        Extent a = drive.allocate(UUID.randomUUID(), MIB, ExtentAccess.OPEN);
        Extent b = drive.allocate(UUID.randomUUID(), MIB, ExtentAccess.OPEN);
        drive.grow(a.id(), 2 * MIB);
        a.write(0, pattern((int) (2 * MIB), 4), false);
        ExtentRecord.Piece second = row(drive, a.id()).pieces().get(1);

        drive.free(a.id());
        assertThat(drive.usage().usedBytes()).isEqualTo(MIB);
        ByteBuffer erased = ByteBuffer.allocate((int) MIB);
        backend.read(second.offset(), erased);
        assertThat(erased.flip()).isEqualTo(ByteBuffer.allocate((int) MIB));
        assertThat(Drive.open(backend, clock).orElseThrow().extents())
                .extracting(ExtentRecord::id)
                .containsExactly(b.id());
    }

    @Test
    void aGrowthThatCannotBeRefusedClearlyAndChangesNothing() throws Exception {
        Drive drive = format();
        Extent a = drive.allocate(UUID.randomUUID(), MIB, ExtentAccess.OPEN);
        drive.allocate(UUID.randomUUID(), MIB, ExtentAccess.OPEN);
        List<ExtentRecord> before = drive.extents();

        assertThatThrownBy(() -> drive.grow(a.id(), MIB - 4096))
                .isInstanceOf(DriveException.class)
                .hasMessageContaining("never shrinks")
                .extracting(e -> ((DriveException) e).reason())
                .isEqualTo(DriveException.Reason.INVALID);
        assertThatThrownBy(() -> drive.grow(a.id(), MIB + 100)).hasMessageContaining("multiples of 4096");
        assertThatThrownBy(() -> drive.grow(a.id(), 4096 * MIB))
                .isInstanceOf(DriveException.class)
                .hasMessageContaining("cannot grow extent " + a.id())
                .hasMessageContaining("no free gap")
                .extracting(e -> ((DriveException) e).reason())
                .isEqualTo(DriveException.Reason.NO_SPACE);
        assertThatThrownBy(() -> drive.grow(UUID.randomUUID(), 2 * MIB))
                .extracting(e -> ((DriveException) e).reason())
                .isEqualTo(DriveException.Reason.NOT_FOUND);
        assertThat(drive.grow(a.id(), MIB)).as("its own size: nothing to do").isSameAs(a);
        assertThat(drive.extents()).isEqualTo(before);
        assertThat(Drive.open(backend, clock).orElseThrow().extents()).isEqualTo(before);
    }

    @Test
    void anExtentHasAtMostMaxPiecesAndAFullTableRefusesAnother() throws Exception {
        DriveLabel label = format().label();
        UUID id = UUID.randomUUID();
        List<ExtentRecord.Piece> pieces = new ArrayList<>();
        List<ExtentRecord> others = new ArrayList<>();
        long at = label.dataStart();
        for (int i = 0; i < ExtentGrowth.MAX_PIECES; i++) {
            pieces.add(new ExtentRecord.Piece(at, MIB));
            others.add(new ExtentRecord(
                    UUID.randomUUID(),
                    at + MIB,
                    4096,
                    ExtentRecord.State.ACTIVE,
                    ExtentAccess.OPEN,
                    0,
                    ExtentRecord.Kind.DATA));
            at += 2 * MIB;
        }
        ExtentRecord many =
                new ExtentRecord(id, pieces, ExtentRecord.State.ACTIVE, ExtentAccess.OPEN, 0, ExtentRecord.Kind.DATA);
        List<ExtentRecord> rows = new ArrayList<>(others);
        rows.add(many);
        DriveLabel big = new DriveLabel(
                label.driveId(),
                label.nodeId(),
                1024 * MIB,
                label.tableCopyA(),
                label.tableCopyB(),
                4096,
                label.alignmentBytes(),
                label.dataStart(),
                0);
        assertThatThrownBy(() -> ExtentGrowth.pieces(many, MIB, rows, big))
                .isInstanceOf(ExtentGrowth.NoRoom.class)
                .hasMessageContaining(ExtentGrowth.MAX_PIECES + " pieces");
        // One piece fewer, in a table with no entry left: refused for the table.
        ExtentRecord fewer = many.withPieces(pieces.subList(0, ExtentGrowth.MAX_PIECES - 1));
        rows.set(rows.size() - 1, fewer);
        DriveLabel fullTable = new DriveLabel(
                big.driveId(),
                big.nodeId(),
                big.capacityBytes(),
                big.tableCopyA(),
                big.tableCopyB(),
                ExtentTable.entries(rows),
                big.alignmentBytes(),
                big.dataStart(),
                0);
        assertThatThrownBy(() -> ExtentGrowth.pieces(fewer, MIB, rows, fullTable))
                .isInstanceOf(ExtentGrowth.NoRoom.class)
                .hasMessageContaining("table is full");
    }
}
