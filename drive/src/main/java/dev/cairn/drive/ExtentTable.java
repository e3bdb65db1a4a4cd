package dev.cairn.drive;

import dev.cairn.drive.backend.DriveBackend;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The extent table of one drive, kept in two checksummed copies (A and B) so that a crash at any
 * moment leaves at least one complete copy.
 *
 * <p>An update writes the whole table, with the next sequence number, over the copy that does
 * <em>not</em> hold the newest state, then syncs. Until that sync completes the other copy still
 * holds the previous state intact; after it, the new copy is the newest. Loading reads both and
 * takes the valid copy with the highest sequence number. Not thread-safe: {@link Drive} owns it.
 *
 * <p>Format of a copy, big-endian:
 *
 * <pre>
 *   0  8  magic "CAIRNEXT"
 *   8  4  format version (1)
 *  12  4  entry count n
 *  16  8  sequence number
 *  24 16  drive id (a copy from another drive or an older format never matches)
 *  40  4  CRC32C of bytes [0, 64 + 128 n) with this field taken as zero
 *  44 20  reserved (0)
 *  64 ..  n entries of 128 bytes, one per piece of an extent:
 *           0 16 extent id     16 8 offset     24 8 size     32 8 generation
 *          40  8 created (ms)  48 1 state (1 active, 2 erasing)  49 1 secret length
 *          50 64 secret (ASCII, zero padded)   114 1 kind (0 data, 1 KV volume, 2 BStore)
 *         115 2 piece index (0 for an extent's first piece; a table written before extents
 *                could grow has 0 there, as every extent was one piece)
 *         117 11 reserved (0)
 * </pre>
 *
 * The entries of an extent's pieces agree on everything but offset, size and index, and their
 * indexes run from 0 without a gap; a copy where they do not is damaged.
 */
final class ExtentTable {
    private static final Logger log = LoggerFactory.getLogger(ExtentTable.class);
    private static final byte[] MAGIC = "CAIRNEXT".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    static final int HEADER = 64;
    static final int ENTRY = 128;
    private static final int CRC_OFFSET = 40;

    private final DriveBackend backend;
    private final DriveLabel label;
    private long sequence;
    private boolean newestIsA;

    private ExtentTable(DriveBackend backend, DriveLabel label, long sequence, boolean newestIsA) {
        this.backend = backend;
        this.label = label;
        this.sequence = sequence;
        this.newestIsA = newestIsA;
    }

    static long bytesFor(int entries) {
        return HEADER + (long) ENTRY * entries;
    }

    /** Writes an empty table as copy A (sequence 1) for a freshly formatted drive. */
    static ExtentTable initialize(DriveBackend backend, DriveLabel label) throws IOException {
        ExtentTable table = new ExtentTable(backend, label, 0, false);
        table.store(List.of());
        return table;
    }

    /** Result of loading: the table and its rows. */
    record Loaded(ExtentTable table, List<ExtentRecord> records) {}

    static Loaded load(DriveBackend backend, DriveLabel label, String where) throws IOException {
        Optional<Copy> a = readCopy(backend, label, label.tableCopyA(), where + " table copy A");
        Optional<Copy> b = readCopy(backend, label, label.tableCopyB(), where + " table copy B");
        if (a.isEmpty() && b.isEmpty()) {
            throw new DriveException(
                    DriveException.Reason.CORRUPT, where + ": both extent table copies are damaged; refusing to guess");
        }
        boolean useA =
                a.isPresent() && (b.isEmpty() || a.get().sequence() > b.get().sequence());
        Copy newest = useA ? a.get() : b.orElseThrow();
        return new Loaded(new ExtentTable(backend, label, newest.sequence(), useA), newest.records());
    }

    private record Copy(long sequence, List<ExtentRecord> records) {}

    private static Optional<Copy> readCopy(DriveBackend backend, DriveLabel label, long at, String where)
            throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        backend.read(at, header);
        byte[] magic = new byte[MAGIC.length];
        header.get(0, magic);
        if (!Arrays.equals(magic, MAGIC)) {
            log.info("{}: no table written here yet (or torn at its start)", where);
            return Optional.empty();
        }
        int count = header.getInt(12);
        if (header.getInt(8) != VERSION || count < 0 || count > label.tableCapacity()) {
            log.warn("{}: unusable header (version {}, {} entries)", where, header.getInt(8), count);
            return Optional.empty();
        }
        ByteBuffer all = ByteBuffer.allocate((int) bytesFor(count));
        backend.read(at, all);
        if (all.getInt(CRC_OFFSET) != crc(all)) {
            log.warn("{}: checksum mismatch (torn or damaged write); using the other copy", where);
            return Optional.empty();
        }
        UUID driveId = new UUID(all.getLong(24), all.getLong(32));
        if (!driveId.equals(label.driveId())) {
            log.warn("{}: belongs to drive {}, not {}; ignoring it", where, driveId, label.driveId());
            return Optional.empty();
        }
        try {
            List<Entry> entries = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                entries.add(decodeEntry(all.slice(HEADER + i * ENTRY, ENTRY)));
            }
            List<ExtentRecord> records = assemble(entries);
            checkConsistent(records, label);
            return Optional.of(new Copy(all.getLong(16), records));
        } catch (IllegalArgumentException e) {
            log.warn("{}: {}; using the other copy", where, e.getMessage());
            return Optional.empty();
        }
    }

    /** How many entries {@code records} take: one per piece. */
    static int entries(Collection<ExtentRecord> records) {
        int n = 0;
        for (ExtentRecord r : records) {
            n += r.pieces().size();
        }
        return n;
    }

    /** Writes {@code records} over the older copy and syncs; afterwards it is the newest copy. */
    void store(List<ExtentRecord> records) throws IOException {
        int count = entries(records);
        if (count > label.tableCapacity()) {
            throw new DriveException(
                    DriveException.Reason.TABLE_FULL,
                    "extent table holds at most " + label.tableCapacity() + " extent pieces");
        }
        long nextSequence = sequence + 1;
        ByteBuffer buf = ByteBuffer.allocate((int) Layout.roundUp(bytesFor(count), Layout.BLOCK));
        buf.put(MAGIC).putInt(VERSION).putInt(count).putLong(nextSequence);
        DriveLabel.putUuid(buf, label.driveId());
        int i = 0;
        for (ExtentRecord r : records) {
            for (int piece = 0; piece < r.pieces().size(); piece++) {
                encodeEntry(r, piece, buf.slice(HEADER + i * ENTRY, ENTRY));
                i++;
            }
        }
        buf.putInt(CRC_OFFSET, crc(buf.duplicate().limit((int) bytesFor(count))));
        boolean writeA = !newestIsA;
        backend.write(writeA ? label.tableCopyA() : label.tableCopyB(), buf.clear());
        backend.sync();
        sequence = nextSequence;
        newestIsA = writeA;
    }

    long sequence() {
        return sequence;
    }

    private static int crc(ByteBuffer copy) {
        CRC32C crc = new CRC32C();
        ByteBuffer b = copy.duplicate().clear().limit(copy.limit());
        crc.update(b.duplicate().limit(CRC_OFFSET));
        crc.update(new byte[4]);
        crc.update(b.position(CRC_OFFSET + 4));
        return (int) crc.getValue();
    }

    private static void encodeEntry(ExtentRecord r, int pieceIndex, ByteBuffer e) {
        ExtentRecord.Piece piece = r.pieces().get(pieceIndex);
        DriveLabel.putUuid(e, r.id());
        e.putLong(piece.offset())
                .putLong(piece.sizeBytes())
                .putLong(r.access().generation())
                .putLong(r.createdAtMillis());
        e.put((byte) (r.state() == ExtentRecord.State.ACTIVE ? 1 : 2));
        byte[] secret = r.access().secret().getBytes(StandardCharsets.US_ASCII);
        e.put((byte) secret.length).put(secret);
        e.position(e.position() + ExtentAccess.MAX_SECRET_BYTES - secret.length);
        e.put((byte)
                switch (r.kind()) {
                    case DATA -> 0;
                    case KV -> 1;
                    case BSTORE -> 2;
                });
        e.putShort((short) pieceIndex);
    }

    /** One entry: a piece of an extent, carried as an extent of that one piece. */
    private record Entry(ExtentRecord record, int pieceIndex) {}

    private static Entry decodeEntry(ByteBuffer e) {
        UUID id = DriveLabel.getUuid(e);
        long offset = e.getLong();
        long size = e.getLong();
        long generation = e.getLong();
        long created = e.getLong();
        ExtentRecord.State state = switch (e.get()) {
            case 1 -> ExtentRecord.State.ACTIVE;
            case 2 -> ExtentRecord.State.ERASING;
            default -> throw new IllegalArgumentException("extent " + id + " has an unknown state");
        };
        int secretLength = Byte.toUnsignedInt(e.get());
        if (secretLength > ExtentAccess.MAX_SECRET_BYTES) {
            throw new IllegalArgumentException("extent " + id + " has a secret longer than the format allows");
        }
        byte[] secret = new byte[secretLength];
        e.get(secret);
        e.position(e.position() + ExtentAccess.MAX_SECRET_BYTES - secretLength);
        ExtentRecord.Kind kind = switch (e.get()) {
            case 0 -> ExtentRecord.Kind.DATA;
            case 1 -> ExtentRecord.Kind.KV;
            case 2 -> ExtentRecord.Kind.BSTORE;
            default -> throw new IllegalArgumentException("extent " + id + " has an unknown kind");
        };
        int pieceIndex = Short.toUnsignedInt(e.getShort());
        return new Entry(
                new ExtentRecord(
                        id,
                        offset,
                        size,
                        state,
                        new ExtentAccess(generation, new String(secret, StandardCharsets.US_ASCII)),
                        created,
                        kind),
                pieceIndex);
    }

    /** Gathers the entries of each extent's pieces into the extent, in the table's order. */
    private static List<ExtentRecord> assemble(List<Entry> entries) {
        Map<UUID, List<Entry>> byExtent = new LinkedHashMap<>();
        for (Entry e : entries) {
            byExtent.computeIfAbsent(e.record().id(), id -> new ArrayList<>()).add(e);
        }
        List<ExtentRecord> records = new ArrayList<>(byExtent.size());
        for (List<Entry> pieces : byExtent.values()) {
            pieces.sort(Comparator.comparingInt(Entry::pieceIndex));
            ExtentRecord first = pieces.getFirst().record();
            List<ExtentRecord.Piece> all = new ArrayList<>();
            for (int i = 0; i < pieces.size(); i++) {
                ExtentRecord r = pieces.get(i).record();
                if (pieces.get(i).pieceIndex() != i) {
                    throw new IllegalArgumentException("extent " + first.id() + " appears twice or misses a piece");
                }
                if (r.state() != first.state()
                        || !r.access().equals(first.access())
                        || r.createdAtMillis() != first.createdAtMillis()
                        || r.kind() != first.kind()) {
                    throw new IllegalArgumentException("the pieces of extent " + first.id() + " disagree");
                }
                if (i < pieces.size() - 1 && r.sizeBytes() % Layout.ALIGNMENT != 0) {
                    throw new IllegalArgumentException(
                            "extent " + first.id() + " has a piece other than its last not a whole number of MiB");
                }
                all.addAll(r.pieces());
            }
            records.add(first.withPieces(all));
        }
        return records;
    }

    /** Extents must be unique; their pieces aligned, inside the data area and disjoint. */
    static void checkConsistent(List<ExtentRecord> records, DriveLabel label) {
        Set<UUID> ids = new HashSet<>();
        record Owned(UUID id, ExtentRecord.Piece piece) {}
        List<Owned> byOffset = new ArrayList<>();
        for (ExtentRecord r : records) {
            if (!ids.add(r.id())) {
                throw new IllegalArgumentException("extent " + r.id() + " appears twice");
            }
            r.pieces().forEach(p -> byOffset.add(new Owned(r.id(), p)));
        }
        byOffset.sort(Comparator.comparingLong(o -> o.piece().offset()));
        long previousEnd = label.dataStart();
        for (Owned o : byOffset) {
            ExtentRecord.Piece p = o.piece();
            if (p.sizeBytes() <= 0 || p.sizeBytes() % Layout.BLOCK != 0 || p.offset() % Layout.ALIGNMENT != 0) {
                throw new IllegalArgumentException("extent " + o.id() + " has a misaligned offset or size");
            }
            if (p.offset() < previousEnd || p.end() > label.capacityBytes()) {
                throw new IllegalArgumentException(
                        "extent " + o.id() + " at " + p.offset() + " overlaps another or leaves the data area");
            }
            previousEnd = p.end();
        }
    }
}
