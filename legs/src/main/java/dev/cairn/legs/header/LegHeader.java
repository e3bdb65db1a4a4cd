package dev.cairn.legs.header;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The superblock at the start of every leg's extent: which volume and leg it belongs to, the
 * attachment generation that last wrote it, the event counter, the geometry, and the legs that
 * were in sync at that event. The write-intent bitmap follows it ({@link #BITMAP_OFFSET}); the
 * volume's data starts at {@link #dataOffset}.
 *
 * <p>Format (big-endian, {@value #BYTES} bytes): magic "CAIRNLEG", version, member count, volume
 * id, leg id, generation, events, volume size, region size, data offset, the in-sync members'
 * extent ids, then a CRC32C of everything before it. An all-zero block is a blank leg (never
 * attached); a {@link FillRecord} is a leg being filled by a full copy; anything else that does
 * not decode is damaged.
 *
 * @param inSync the extent ids of the legs that held every acknowledged write at {@code events}
 */
public record LegHeader(
        UUID volumeId,
        UUID legId,
        long generation,
        long events,
        long volumeSizeBytes,
        long regionSizeBytes,
        long dataOffset,
        List<UUID> inSync) {

    public static final int BYTES = 4096;
    public static final long BITMAP_OFFSET = BYTES;
    /** The area in front of a leg's data is a whole number of these. */
    public static final long AREA_ALIGNMENT = 1 << 20;

    static final int MAX_MEMBERS = 16;
    private static final byte[] MAGIC = "CAIRNLEG".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int FIXED = 88;

    /**
     * The bytes in front of a leg's data, where it starts: the superblock and a bitmap of one bit
     * per region, rounded up to {@link #AREA_ALIGNMENT}. The same for every size whose bitmap fits
     * that area, so a volume grows up to there with its data where it is.
     */
    public static long areaBytes(long volumeBytes, long regionBytes) {
        long regions = (volumeBytes + regionBytes - 1) / regionBytes;
        long area = BYTES + (regions + 7) / 8;
        return (area + AREA_ALIGNMENT - 1) / AREA_ALIGNMENT * AREA_ALIGNMENT;
    }

    public LegHeader {
        inSync = List.copyOf(inSync);
        if (inSync.size() > MAX_MEMBERS) {
            throw new IllegalArgumentException("at most " + MAX_MEMBERS + " legs, got " + inSync.size());
        }
    }

    /** What the first {@value #BYTES} bytes of a leg hold. */
    public sealed interface Read {}

    /** A header written by an agent. */
    public record Valid(LegHeader header) implements Read {}

    /** Zeroes: the leg was never attached (a new extent). */
    public record Blank() implements Read {}

    /** A new leg part-way through its first full copy: how far it got. */
    public record Filling(FillRecord fill) implements Read {}

    /** Neither: torn, overwritten, or not ours. */
    public record Damaged(String reason) implements Read {}

    public ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(BYTES);
        b.put(MAGIC).putInt(VERSION).putInt(inSync.size());
        putUuid(b, volumeId);
        putUuid(b, legId);
        b.putLong(generation)
                .putLong(events)
                .putLong(volumeSizeBytes)
                .putLong(regionSizeBytes)
                .putLong(dataOffset);
        inSync.forEach(id -> putUuid(b, id));
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.clear();
    }

    public static Read decode(ByteBuffer block) {
        ByteBuffer b = block.duplicate();
        if (b.remaining() < BYTES) {
            return new Damaged("header block is " + b.remaining() + " bytes, expected " + BYTES);
        }
        byte[] raw = new byte[BYTES];
        b.get(raw);
        boolean zero = true;
        for (byte x : raw) {
            zero &= x == 0;
        }
        if (zero) {
            return new Blank();
        }
        ByteBuffer in = ByteBuffer.wrap(raw);
        byte[] magic = new byte[MAGIC.length];
        in.get(magic);
        if (Arrays.equals(magic, FillRecord.MAGIC)) {
            return FillRecord.decode(raw);
        }
        if (!Arrays.equals(magic, MAGIC)) {
            return new Damaged("no Cairn leg header (bad magic)");
        }
        int version = in.getInt();
        if (version != VERSION) {
            return new Damaged("leg header version " + version + ", this agent reads " + VERSION);
        }
        int members = in.getInt();
        if (members < 0 || members > MAX_MEMBERS) {
            return new Damaged("leg header lists " + members + " in-sync legs");
        }
        int crcAt = FIXED + 16 * members;
        CRC32C crc = new CRC32C();
        crc.update(raw, 0, crcAt);
        if ((int) crc.getValue() != ByteBuffer.wrap(raw, crcAt, 4).getInt()) {
            return new Damaged("leg header checksum mismatch");
        }
        UUID volume = getUuid(in);
        UUID leg = getUuid(in);
        long generation = in.getLong();
        long events = in.getLong();
        long size = in.getLong();
        long region = in.getLong();
        long data = in.getLong();
        List<UUID> inSync = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            inSync.add(getUuid(in));
        }
        return new Valid(new LegHeader(volume, leg, generation, events, size, region, data, inSync));
    }

    private static void putUuid(ByteBuffer b, UUID id) {
        b.putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
    }

    private static UUID getUuid(ByteBuffer b) {
        return new UUID(b.getLong(), b.getLong());
    }
}
