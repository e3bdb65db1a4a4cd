package dev.cairn.agent.ec;

import dev.cairn.erasure.ReedSolomon;
import dev.cairn.legs.header.BitmapFormat;
import dev.cairn.legs.header.DegradedWrite;
import dev.cairn.legs.header.PStoreHeader;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.UUID;

/**
 * How an erasure-coded volume's bytes lie on its BStores. The volume is a sequence of PStores of
 * {@code pstoreBytes} logical bytes each (the last one shorter, rounded up to whole rows); a PStore
 * is {@code k} data and {@code m} parity BStores. Its bytes are cut in rows of {@code k} chunks of
 * {@code chunkBytes}: chunk {@code c} of row {@code r} is on data BStore {@code c}, at {@code
 * headerBytes + r * chunkBytes}; parity BStore {@code k + p} holds parity row {@code p} of the code
 * over the row's chunks, at the same offset. Parity is linear byte by byte, so any byte range of
 * the chunks has its parity in the same byte range of the parity BStores: a write of a few bytes
 * updates only those bytes of data and parity.
 *
 * <p>The first {@code headerBytes} of every BStore are its header: the superblock ({@link
 * PStoreHeader}), the PStore's write-intent bitmap, one bit per region of {@code regionRows} rows,
 * and the degraded-write log ({@link DegradedWrite}), in slots of a heading and {@code m} chunks.
 */
public record StripeGeometry(
        int k, int m, int chunkBytes, long pstoreBytes, int regionRows, long headerBytes, long volumeBytes) {

    public static final int BLOCK = 4096;

    public StripeGeometry {
        if (k < 1 || m < 1 || k + m > ReedSolomon.MAX_SHARDS) {
            throw new IllegalArgumentException(
                    k + "+" + m + " is not a code: k and m at least 1, k + m at most " + ReedSolomon.MAX_SHARDS);
        }
        if (Integer.bitCount(chunkBytes) != 1 || chunkBytes < BLOCK || chunkBytes > (1 << 20)) {
            throw new IllegalArgumentException(
                    "chunk size must be a power of 2 from 4 KiB to 1 MiB, got " + chunkBytes);
        }
        long row = (long) k * chunkBytes;
        if (pstoreBytes < row || pstoreBytes % row != 0) {
            throw new IllegalArgumentException(
                    "a PStore of " + pstoreBytes + " bytes is not a whole number of rows of " + row + " bytes");
        }
        if (regionRows < 1) {
            throw new IllegalArgumentException("a region has at least one row, got " + regionRows);
        }
        long regions = (pstoreBytes / row + regionRows - 1) / regionRows;
        long needed = logStart(regions) + DegradedWrite.HEADING_BYTES + (long) m * chunkBytes;
        if (headerBytes < needed || headerBytes % BLOCK != 0) {
            throw new IllegalArgumentException("a BStore header of " + headerBytes
                    + " bytes has no room for a superblock, a bitmap of " + regions
                    + " regions and one entry of the degraded-write log (" + needed
                    + " bytes), or is not whole blocks");
        }
        if (volumeBytes <= 0 || volumeBytes % BLOCK != 0) {
            throw new IllegalArgumentException(
                    "volume size " + volumeBytes + " is not a positive multiple of " + BLOCK);
        }
    }

    /** Entries the degraded-write log has room for at most: degraded writes in flight at once. */
    static final int MAX_LOG_SLOTS = 16;

    private static long logStart(long regions) {
        return PStoreHeader.BITMAP_OFFSET + (long) BitmapFormat.pagesFor(regions) * BitmapFormat.PAGE_BYTES;
    }

    /** Where the degraded-write log starts on every BStore: after the superblock and the bitmap. */
    public long logOffset() {
        return logStart((pstoreBytes / rowBytes() + regionRows - 1) / regionRows);
    }

    /** Room for one entry of the log: its heading and a chunk of each of {@code m} missing members. */
    public int logSlotBytes() {
        return DegradedWrite.HEADING_BYTES + m * chunkBytes;
    }

    /** Entries of the log: as many as the header holds after the bitmap, at most {@value #MAX_LOG_SLOTS}. */
    public int logSlots() {
        return (int) Math.min(MAX_LOG_SLOTS, (headerBytes - logOffset()) / logSlotBytes());
    }

    /** Logical bytes of one row: its {@code k} data chunks. */
    public long rowBytes() {
        return (long) k * chunkBytes;
    }

    public int width() {
        return k + m;
    }

    public int pstores() {
        return Math.toIntExact((volumeBytes + pstoreBytes - 1) / pstoreBytes);
    }

    /** Rows of PStore {@code p}: the last PStore has as many as the rest of the volume needs. */
    public long rows(int p) {
        if (p < 0 || p >= pstores()) {
            throw new IllegalArgumentException("PStore " + p + " of a volume of " + pstores());
        }
        long logical = Math.min(pstoreBytes, volumeBytes - p * pstoreBytes);
        return (logical + rowBytes() - 1) / rowBytes();
    }

    /** Write-intent regions of PStore {@code p}. */
    public long regions(int p) {
        return (rows(p) + regionRows - 1) / regionRows;
    }

    /** The extent size of each BStore of PStore {@code p}: header and one chunk per row. */
    public long bstoreBytes(int p) {
        return headerBytes + rows(p) * chunkBytes;
    }

    /** Where byte {@code inChunk} of row {@code row}'s chunks is on a BStore. */
    public long offsetOnBStore(long row, int inChunk) {
        return headerBytes + row * chunkBytes + inChunk;
    }

    /**
     * The part of a request in one row: bytes {@code [inRow, inRow + length)} of the row's data
     * (chunk {@code inRow / chunkBytes} first), at {@code requestOffset} in the request's buffer.
     */
    public record RowSpan(int pstore, long row, int inRow, int length, int requestOffset) {}

    /** Cuts {@code [offset, offset + length)} of the volume into the rows it touches, in order. */
    public List<RowSpan> spans(long offset, long length) {
        if (offset < 0 || length < 0 || length > Integer.MAX_VALUE || offset > volumeBytes - length) {
            throw new IllegalArgumentException(
                    "bytes " + offset + " +" + length + " are not within a volume of " + volumeBytes);
        }
        List<RowSpan> out = new ArrayList<>();
        long at = offset;
        long end = offset + length;
        while (at < end) {
            int p = (int) (at / pstoreBytes);
            long inPStore = at - p * pstoreBytes;
            long row = inPStore / rowBytes();
            int inRow = (int) (inPStore % rowBytes());
            int n = (int) Math.min(end - at, rowBytes() - inRow);
            out.add(new RowSpan(p, row, inRow, n, (int) (at - offset)));
            at += n;
        }
        return out;
    }

    /** A piece of a request in one chunk: {@code buffer}'s remaining bytes at {@code inChunk}. */
    record Piece(int column, int inChunk, ByteBuffer buffer) {}

    List<Piece> pieces(StripeGeometry.RowSpan span, ByteBuffer request) {
        List<Piece> out = new ArrayList<>();
        int chunk = chunkBytes;
        int at = span.inRow();
        int end = span.inRow() + span.length();
        while (at < end) {
            int column = at / chunk;
            int n = Math.min(end - at, (column + 1) * chunk - at);
            int from = span.requestOffset() + (at - span.inRow());
            out.add(new Piece(column, at % chunk, request.slice(from, n)));
            at += n;
        }
        return out;
    }

    /** The superblock of member {@code member} of PStore {@code pstore} of a volume of this geometry. */
    PStoreHeader header(UUID volumeId, int pstore, int member, long generation, long events, BitSet failed) {
        return new PStoreHeader(
                volumeId,
                pstore,
                member,
                k(),
                m(),
                chunkBytes(),
                rows(pstore),
                regionRows(),
                generation,
                events,
                failed);
    }
}
