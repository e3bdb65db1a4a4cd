package dev.cairn.dkv;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The on-disk form of a slot: one aligned 4 KiB block, big-endian.
 *
 * <pre>
 *  0  magic    u32  "CKV1" (0x434B5631)
 *  4  format   u8   1
 *  5  flags    u8   bit 0 settled, bit 1 deleted; the others 0
 *  6  reserved u16  0
 *  8  key      u64
 * 16  counter  u64  the version's counter, at least 1
 * 24  writer   u64  the version's writer
 * 32  length   u32  the value's length, at most 4056 (0 when deleted)
 * 36  crc32c   u32  over bytes 0-35 and the value
 * 40  value    the value's bytes; the rest of the block is not read
 * </pre>
 *
 * A block of zeros is an empty slot. Anything else that does not hold together (magic, format,
 * flags, lengths, checksum, or a key other than the one this slot is for) is corrupt and never
 * returned: a torn write of 4 KiB leaves either the old checksum over new bytes or the other way
 * round, so it is caught like any other damage.
 */
public final class SlotCodec {
    public static final int SLOT_BYTES = 4096;
    public static final int HEADER = 40;
    public static final int MAX_VALUE = SLOT_BYTES - HEADER;
    static final int MAGIC = 0x434B5631;
    static final int FORMAT = 1;
    static final int SETTLED = 1;
    static final int DELETED = 2;
    private static final int CRC_AT = 36;

    private SlotCodec() {}

    /** The 4 KiB block of {@code slot}, positioned at 0. */
    public static ByteBuffer encode(Slot slot) {
        ByteBuffer b = ByteBuffer.allocate(SLOT_BYTES).order(ByteOrder.BIG_ENDIAN);
        b.putInt(MAGIC)
                .put((byte) FORMAT)
                .put((byte) ((slot.settled() ? SETTLED : 0) | (slot.deleted() ? DELETED : 0)))
                .putShort((short) 0)
                .putLong(slot.key())
                .putLong(slot.version().counter())
                .putLong(slot.version().writer())
                .putInt(slot.valueLength());
        b.position(HEADER);
        slot.copyValueTo(b);
        b.putInt(CRC_AT, crc(b, slot.valueLength()));
        return b.clear();
    }

    /**
     * What the 4 KiB at {@code block}'s position hold, read as the slot of {@code key}: a slot that
     * holds another key is corrupt (a misdirected write). The buffer's position and limit are left
     * alone.
     */
    public static SlotRead decode(ByteBuffer block, long key) {
        SlotRead read = decode(block);
        if (read instanceof SlotRead.Valid(Slot s) && s.key() != key) {
            return corrupt(String.format("holds key %d, not %d", s.key(), key));
        }
        return read;
    }

    /** What the 4 KiB at {@code block}'s position hold, whatever key it is for. */
    public static SlotRead decode(ByteBuffer block) {
        if (block.remaining() < SLOT_BYTES) {
            throw new IllegalArgumentException("a slot is " + SLOT_BYTES + " bytes, got " + block.remaining());
        }
        ByteBuffer b = block.slice(block.position(), SLOT_BYTES).order(ByteOrder.BIG_ENDIAN);
        int magic = b.getInt(0);
        if (magic != MAGIC) {
            return allZero(b) ? SlotRead.EMPTY : corrupt(String.format("no slot magic (found 0x%08x)", magic));
        }
        int format = b.get(4) & 0xff;
        int flags = b.get(5) & 0xff;
        if (format != FORMAT) {
            return corrupt(String.format("unknown slot format %d", format));
        }
        if ((flags & ~(SETTLED | DELETED)) != 0 || b.getShort(6) != 0) {
            return corrupt(String.format("unknown flags 0x%02x or reserved bits set", flags));
        }
        long length = b.getInt(32) & 0xffffffffL;
        if (length > MAX_VALUE) {
            return corrupt(String.format("value length %d is over %d", length, MAX_VALUE));
        }
        boolean deleted = (flags & DELETED) != 0;
        if (deleted && length != 0) {
            return corrupt(String.format("a deleted slot with a %d-byte value", length));
        }
        int stored = b.getInt(CRC_AT);
        int computed = crc(b, (int) length);
        if (stored != computed) {
            return corrupt(String.format(
                    "checksum 0x%08x does not match its bytes (0x%08x): torn or damaged", stored, computed));
        }
        long counter = b.getLong(16);
        if (counter < 1) {
            return corrupt(String.format("version counter %d", counter));
        }
        long slotKey = b.getLong(8);
        byte[] value = null;
        if (!deleted) {
            value = new byte[(int) length];
            b.get(HEADER, value);
        }
        return new SlotRead.Valid(
                Slot.decoded(slotKey, new Version(counter, b.getLong(24)), (flags & SETTLED) != 0, value));
    }

    private static int crc(ByteBuffer b, int valueLength) {
        CRC32C crc = new CRC32C();
        crc.update(b.slice(0, CRC_AT));
        crc.update(b.slice(HEADER, valueLength));
        return (int) crc.getValue();
    }

    private static boolean allZero(ByteBuffer b) {
        for (int i = 0; i < SLOT_BYTES; i += Long.BYTES) {
            if (b.getLong(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static SlotRead corrupt(String why) {
        return new SlotRead.Corrupt(why);
    }
}
