package dev.cairn.legs.header;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * One entry of a PStore's degraded-write log: before a write to a row whose data BStores are not
 * all readable changes anything, the agent records, on every readable member, what the missing
 * data chunks hold over the bytes the write's parity covers once it is done. Their bytes exist
 * nowhere else (only in the parity the write is about to change), so a client that dies in the
 * middle would otherwise leave them unknowable; the next attach takes them from here.
 *
 * <p>Format (big-endian): a {@value #HEADING_BYTES}-byte heading (magic "CAIRNDWL", version, volume
 * id, PStore index, attachment generation, sequence number within it, row, the byte range {@code
 * [from, to)} of the row's chunks, the missing data members as a 64-bit mask, a CRC32C of the heading
 * and the chunks), then, for each member of the mask in index order, its {@code to - from} bytes.
 * An entry whose CRC does not match (torn by a crash while it was written) is ignored.
 *
 * @param chunks the missing members' bytes, one after the other, {@code bitCount(missing) * (to -
 *     from)} of them
 */
public record DegradedWrite(
        UUID volumeId,
        int pstore,
        long generation,
        long sequence,
        long row,
        int from,
        int to,
        long missing,
        ByteBuffer chunks) {

    /** The heading's size: a block, so that the chunks that follow stay block-aligned. */
    public static final int HEADING_BYTES = 4096;

    private static final byte[] MAGIC = "CAIRNDWL".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int FIELDS = 8 + 4 + 16 + 4 + 8 * 3 + 4 * 2 + 8;

    public DegradedWrite {
        if (from < 0 || to <= from || missing == 0) {
            throw new IllegalArgumentException(
                    "a degraded write covers bytes [" + from + ", " + to + ") of at least one missing member");
        }
        if (chunks.remaining() != (long) Long.bitCount(missing) * (to - from)) {
            throw new IllegalArgumentException(chunks.remaining() + " bytes of chunks for " + Long.bitCount(missing)
                    + " members of " + (to - from) + " bytes");
        }
        chunks = chunks.slice();
    }

    /** Whether data member {@code member} is among the missing ones this entry holds. */
    public boolean holds(int member) {
        return member < 64 && (missing & 1L << member) != 0;
    }

    /** Member {@code member}'s bytes {@code [from, to)} (it must be one this entry holds). */
    public ByteBuffer chunk(int member) {
        if (!holds(member)) {
            throw new IllegalArgumentException("member " + member + " is not in this entry");
        }
        int before = Long.bitCount(missing & ((1L << member) - 1));
        return chunks.slice(before * (to - from), to - from);
    }

    /** The entry's size on a member: its heading and its chunks. */
    public int bytes() {
        return HEADING_BYTES + chunks.remaining();
    }

    public ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(bytes());
        b.put(MAGIC).putInt(VERSION);
        b.putLong(volumeId.getMostSignificantBits()).putLong(volumeId.getLeastSignificantBits());
        b.putInt(pstore).putLong(generation).putLong(sequence).putLong(row);
        b.putInt(from).putInt(to).putLong(missing);
        b.putInt(crc(b.array(), chunks));
        b.put(HEADING_BYTES, chunks.duplicate(), 0, chunks.remaining());
        return b.clear();
    }

    private static int crc(byte[] heading, ByteBuffer chunks) {
        CRC32C crc = new CRC32C();
        crc.update(heading, 0, FIELDS);
        crc.update(chunks.duplicate());
        return (int) crc.getValue();
    }

    /** What an entry's heading says, before its chunks are read and its checksum checked. */
    public record Heading(
            UUID volumeId, int pstore, long generation, long sequence, long row, int from, int to, long missing) {
        /** The whole entry's size on a member. */
        public int bytes() {
            return HEADING_BYTES + Long.bitCount(missing) * (to - from);
        }
    }

    /**
     * The heading of the entry in {@code block} (its first {@value #HEADING_BYTES} bytes), if it
     * looks like one with a sane range no longer than {@code maxBytes} in all; nothing for zeroes
     * or anything else.
     */
    public static Optional<Heading> heading(ByteBuffer block, int maxBytes) {
        if (block.remaining() < HEADING_BYTES) {
            return Optional.empty();
        }
        ByteBuffer in = block.duplicate();
        byte[] magic = new byte[MAGIC.length];
        in.get(magic);
        if (!Arrays.equals(magic, MAGIC) || in.getInt() != VERSION) {
            return Optional.empty();
        }
        Heading h = new Heading(
                new UUID(in.getLong(), in.getLong()),
                in.getInt(),
                in.getLong(),
                in.getLong(),
                in.getLong(),
                in.getInt(),
                in.getInt(),
                in.getLong());
        if (h.from() < 0
                || h.to() <= h.from()
                || h.missing() == 0
                || (long) Long.bitCount(h.missing()) * (h.to() - h.from()) > maxBytes - HEADING_BYTES) {
            return Optional.empty();
        }
        return Optional.of(h);
    }

    /**
     * The entry {@code bytes} (its heading and chunks, {@link Heading#bytes} of them) holds, if its
     * checksum matches: nothing for an entry torn while it was written.
     */
    public static Optional<DegradedWrite> decode(ByteBuffer bytes, int maxBytes) {
        Optional<Heading> read = heading(bytes, maxBytes);
        if (read.isEmpty() || bytes.remaining() < read.get().bytes()) {
            return Optional.empty();
        }
        Heading h = read.get();
        byte[] heading = new byte[HEADING_BYTES];
        bytes.duplicate().get(heading);
        ByteBuffer chunks = bytes.slice(bytes.position() + HEADING_BYTES, h.bytes() - HEADING_BYTES);
        if (crc(heading, chunks) != ByteBuffer.wrap(heading, FIELDS, 4).getInt()) {
            return Optional.empty();
        }
        return Optional.of(new DegradedWrite(
                h.volumeId(),
                h.pstore(),
                h.generation(),
                h.sequence(),
                h.row(),
                h.from(),
                h.to(),
                h.missing(),
                chunks));
    }
}
