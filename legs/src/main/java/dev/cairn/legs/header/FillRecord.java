package dev.cairn.legs.header;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * What a leg being filled by a full copy holds where its superblock will go: how far the copy got.
 * Every region below {@code copiedBelow} holds the volume's data (copied, flushed, and given every
 * write since, or marked dirty in the other legs' bitmaps), so whoever takes the copy over (the
 * agent that attaches the volume, the node that copies it while it is detached, either after a
 * crash) goes on from there instead of starting again. A fill record is never a superblock: the
 * leg is not in sync, is never read from, and gets a real superblock only when it joins.
 *
 * <p>Format (big-endian, in the first {@value LegHeader#BYTES} bytes): magic "CAIRNFIL", version,
 * volume id, leg id, the generation of the writer, volume size, region size, data offset, the
 * count of regions copied from the start, then a CRC32C of everything before it.
 */
public record FillRecord(
        UUID volumeId,
        UUID legId,
        long generation,
        long volumeSizeBytes,
        long regionSizeBytes,
        long dataOffset,
        long copiedBelow) {

    static final byte[] MAGIC = "CAIRNFIL".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int CRC_AT = 8 + 4 + 16 + 16 + 8 * 5;

    public FillRecord {
        if (copiedBelow < 0) {
            throw new IllegalArgumentException("a fill record counts 0 or more regions, got " + copiedBelow);
        }
    }

    public ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(LegHeader.BYTES);
        b.put(MAGIC).putInt(VERSION);
        b.putLong(volumeId.getMostSignificantBits()).putLong(volumeId.getLeastSignificantBits());
        b.putLong(legId.getMostSignificantBits()).putLong(legId.getLeastSignificantBits());
        b.putLong(generation)
                .putLong(volumeSizeBytes)
                .putLong(regionSizeBytes)
                .putLong(dataOffset)
                .putLong(copiedBelow);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.clear();
    }

    /** Decodes a block that starts with {@link #MAGIC}. */
    static LegHeader.Read decode(byte[] raw) {
        ByteBuffer in = ByteBuffer.wrap(raw);
        in.position(MAGIC.length);
        int version = in.getInt();
        if (version != VERSION) {
            return new LegHeader.Damaged("fill record version " + version + ", this code reads " + VERSION);
        }
        CRC32C crc = new CRC32C();
        crc.update(raw, 0, CRC_AT);
        if ((int) crc.getValue() != ByteBuffer.wrap(raw, CRC_AT, 4).getInt()) {
            return new LegHeader.Damaged("fill record checksum mismatch");
        }
        UUID volume = new UUID(in.getLong(), in.getLong());
        UUID leg = new UUID(in.getLong(), in.getLong());
        long generation = in.getLong();
        long size = in.getLong();
        long region = in.getLong();
        long data = in.getLong();
        long copied = in.getLong();
        if (copied < 0) {
            return new LegHeader.Damaged("fill record counts " + copied + " regions");
        }
        return new LegHeader.Filling(new FillRecord(volume, leg, generation, size, region, data, copied));
    }
}
