package dev.cairn.legs.header;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The superblock at the start of every BStore: which volume, PStore and member it is, the code and
 * geometry, the attachment generation that last wrote it, the PStore's event counter and the
 * members that were failed at that event (they missed acknowledged writes). The PStore's
 * write-intent bitmap follows it, in {@link BitmapFormat} pages from {@link
 * #BITMAP_OFFSET}.
 *
 * <p>Format (big-endian, {@value #BYTES} bytes): magic "CAIRNPST", version, volume id, PStore
 * index, member index, k, m, chunk size, rows, rows per region, generation, events, the failed
 * members as a 256-bit set, then a CRC32C of everything before it. An all-zero block is a BStore
 * never attached; anything else that does not decode is damaged.
 *
 * <p>The set's bits from {@value #MOVING} on name members moving to another node (a drain, the
 * rebalance): member {@code i} at bit {@code MOVING + i}. Such a member holds every write (it is
 * not failed), but the node rebuilding its replacement waits for this mark: from then on the
 * agent keeps every region it writes dirty, so that the replacement is caught up over them.
 */
public record PStoreHeader(
        UUID volumeId,
        int pstore,
        int member,
        int k,
        int m,
        int chunkBytes,
        long rows,
        int regionRows,
        long generation,
        long events,
        BitSet failed) {

    public static final int BYTES = 4096;
    /** Where the moving members' bits start in {@link #failed}: a PStore has at most 32 members. */
    public static final int MOVING = 32;

    public static final long BITMAP_OFFSET = BYTES;
    private static final byte[] MAGIC = "CAIRNPST".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int FAILED_BYTES = 32;
    private static final int CRC_AT = 8 + 4 + 16 + 4 * 6 + 8 * 3 + FAILED_BYTES;

    public PStoreHeader {
        failed = (BitSet) failed.clone();
        if (failed.length() > FAILED_BYTES * 8) {
            throw new IllegalArgumentException("a PStore has at most " + FAILED_BYTES * 8 + " members");
        }
    }

    /**
     * The same superblock, as member {@code newMember}'s, naming it failed: what a rebuilt BStore
     * holds until its agent catches it up (it may miss writes made after it was filled).
     */
    public PStoreHeader asStaleMember(int newMember) {
        BitSet stale = failed();
        stale.set(newMember);
        return new PStoreHeader(
                volumeId, pstore, newMember, k, m, chunkBytes, rows, regionRows, generation, events, stale);
    }

    /** The bit of {@link #failed} that names member {@code member} moving. */
    public static int movingBit(int member) {
        return MOVING + member;
    }

    @Override
    public BitSet failed() {
        return (BitSet) failed.clone();
    }

    /** What the first {@value #BYTES} bytes of a BStore hold. */
    public sealed interface Read {}

    public record Valid(PStoreHeader header) implements Read {}

    /** Zeroes: never attached (a new extent). */
    public record Blank() implements Read {}

    /** Torn, overwritten, or not a BStore's. */
    public record Damaged(String reason) implements Read {}

    /**
     * Why this header does not belong to member {@code expectedMember} of PStore {@code
     * expectedPStore} of volume {@code volume}, whose geometry {@code expected} is (as this header
     * would say it), if it does not. Fewer rows than expected do: the volume grew since it was
     * written (the rows after its own are zeroes on every member, parity and all).
     */
    public Optional<String> mismatch(UUID volume, int expectedPStore, int expectedMember, PStoreHeader expected) {
        if (!volumeId.equals(volume) || pstore != expectedPStore || member != expectedMember) {
            return Optional.of("holds member " + member + " of PStore " + pstore + " of volume " + volumeId
                    + ", not member " + expectedMember + " of PStore " + expectedPStore + " of volume " + volume);
        }
        if (k != expected.k
                || m != expected.m
                || chunkBytes != expected.chunkBytes
                || rows > expected.rows
                || regionRows != expected.regionRows) {
            return Optional.of("was written for a " + k + "+" + m + " code of " + rows + " rows of " + chunkBytes
                    + "-byte chunks, " + regionRows + " rows per region; the volume has another geometry (" + expected.k
                    + "+" + expected.m + ", " + expected.rows + " rows of " + expected.chunkBytes + " bytes, "
                    + expected.regionRows + " per region)");
        }
        return Optional.empty();
    }

    public ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(BYTES);
        b.put(MAGIC).putInt(VERSION);
        b.putLong(volumeId.getMostSignificantBits()).putLong(volumeId.getLeastSignificantBits());
        b.putInt(pstore).putInt(member).putInt(k).putInt(m).putInt(chunkBytes).putInt(regionRows);
        b.putLong(rows).putLong(generation).putLong(events);
        b.put(Arrays.copyOf(failed.toByteArray(), FAILED_BYTES));
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.clear();
    }

    public static Read decode(ByteBuffer block) {
        if (block.remaining() < BYTES) {
            return new Damaged("header block is " + block.remaining() + " bytes, expected " + BYTES);
        }
        byte[] raw = new byte[BYTES];
        block.duplicate().get(raw);
        boolean zero = true;
        for (byte x : raw) {
            zero &= x == 0;
        }
        if (zero) {
            return new Blank();
        }
        if (!Arrays.equals(raw, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            return new Damaged("no Cairn BStore header (bad magic)");
        }
        ByteBuffer in = ByteBuffer.wrap(raw, MAGIC.length, BYTES - MAGIC.length);
        int version = in.getInt();
        if (version != VERSION) {
            return new Damaged("BStore header version " + version + ", this agent reads " + VERSION);
        }
        CRC32C crc = new CRC32C();
        crc.update(raw, 0, CRC_AT);
        if ((int) crc.getValue() != ByteBuffer.wrap(raw, CRC_AT, 4).getInt()) {
            return new Damaged("BStore header checksum mismatch");
        }
        UUID volume = new UUID(in.getLong(), in.getLong());
        int pstore = in.getInt();
        int member = in.getInt();
        int k = in.getInt();
        int m = in.getInt();
        int chunk = in.getInt();
        int regionRows = in.getInt();
        long rows = in.getLong();
        long generation = in.getLong();
        long events = in.getLong();
        byte[] failed = new byte[FAILED_BYTES];
        in.get(failed);
        return new Valid(new PStoreHeader(
                volume, pstore, member, k, m, chunk, rows, regionRows, generation, events, BitSet.valueOf(failed)));
    }
}
