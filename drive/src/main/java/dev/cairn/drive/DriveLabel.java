package dev.cairn.drive;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The self-description at the start of every drive (block 0).
 *
 * <p>On-disk format, big-endian, {@link #ENCODED_BYTES} bytes at offset 0, the rest of the block
 * zero:
 *
 * <pre>
 *   0  8  magic "CAIRNDRV"
 *   8  4  format version (1)
 *  12  4  reserved (0)
 *  16 16  drive id (UUID, most then least significant bits)
 *  32 16  node id
 *  48  8  capacity: bytes of the medium this drive uses
 *  56  8  offset of extent table copy A
 *  64  8  offset of extent table copy B
 *  72  4  extent table capacity (entries)
 *  76  4  extent alignment (bytes)
 *  80  8  data area start
 *  88  8  formatted at (ms since the epoch)
 *  96 28  reserved (0)
 * 124  4  CRC32C of bytes 0..124
 * </pre>
 *
 * The label is written once, when the drive is formatted, after both table copies.
 */
public record DriveLabel(
        UUID driveId,
        UUID nodeId,
        long capacityBytes,
        long tableCopyA,
        long tableCopyB,
        int tableCapacity,
        int alignmentBytes,
        long dataStart,
        long formattedAtMillis) {

    static final int FORMAT_VERSION = 1;
    static final int ENCODED_BYTES = 128;
    private static final byte[] MAGIC = "CAIRNDRV".getBytes(StandardCharsets.US_ASCII);
    private static final int CRC_OFFSET = 124;

    /** The bytes of the data area: where extents live. */
    public long dataBytes() {
        return capacityBytes - dataStart;
    }

    ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(Layout.BLOCK);
        b.put(MAGIC).putInt(FORMAT_VERSION).putInt(0);
        putUuid(b, driveId);
        putUuid(b, nodeId);
        b.putLong(capacityBytes).putLong(tableCopyA).putLong(tableCopyB);
        b.putInt(tableCapacity).putInt(alignmentBytes);
        b.putLong(dataStart).putLong(formattedAtMillis);
        b.putInt(CRC_OFFSET, crc(b));
        return b.clear();
    }

    /** True when the block starts with the drive magic, valid or not. */
    static boolean hasMagic(ByteBuffer block) {
        byte[] magic = new byte[MAGIC.length];
        block.get(0, magic);
        return Arrays.equals(magic, MAGIC);
    }

    /**
     * Decodes block 0. Empty when the block holds no Cairn magic; throws when the magic is there but
     * the label is damaged or from an unknown format.
     */
    static Optional<DriveLabel> decode(ByteBuffer block, String where) throws DriveException {
        if (!hasMagic(block)) {
            return Optional.empty();
        }
        int version = block.getInt(8);
        if (version != FORMAT_VERSION) {
            throw new DriveException(
                    DriveException.Reason.CORRUPT,
                    where + ": drive label has format version " + version + ", this Cairn reads version "
                            + FORMAT_VERSION);
        }
        int stored = block.getInt(CRC_OFFSET);
        if (stored != crc(block)) {
            throw new DriveException(
                    DriveException.Reason.CORRUPT, where + ": drive label checksum mismatch (label is damaged)");
        }
        ByteBuffer b = block.duplicate().position(16);
        DriveLabel label = new DriveLabel(
                getUuid(b),
                getUuid(b),
                b.getLong(),
                b.getLong(),
                b.getLong(),
                b.getInt(),
                b.getInt(),
                b.getLong(),
                b.getLong());
        label.validate(where);
        return Optional.of(label);
    }

    private void validate(String where) throws DriveException {
        Layout expected = Layout.forCapacity(capacityBytes);
        if (!expected.matches(this)) {
            throw new DriveException(
                    DriveException.Reason.CORRUPT,
                    where + ": drive label layout is inconsistent with its capacity " + capacityBytes + " (tables at "
                            + tableCopyA + "/" + tableCopyB + ", data at " + dataStart + ")");
        }
    }

    private static int crc(ByteBuffer block) {
        CRC32C crc = new CRC32C();
        crc.update(block.duplicate().clear().limit(CRC_OFFSET));
        return (int) crc.getValue();
    }

    static void putUuid(ByteBuffer b, UUID id) {
        b.putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
    }

    static UUID getUuid(ByteBuffer b) {
        return new UUID(b.getLong(), b.getLong());
    }
}
