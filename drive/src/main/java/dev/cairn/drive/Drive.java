package dev.cairn.drive;

import dev.cairn.drive.backend.DriveBackend;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A formatted drive: its label, its extent table, and the extents carved from its data area.
 *
 * <p>Metadata changes (allocate, set access, free) are serialized on this object and each one is
 * durable in the extent table before it is visible. Block I/O goes straight to the {@link Extent}
 * objects and never takes this lock. Freeing is three durable steps, so a crash at any point
 * resumes rather than leaks or exposes data: mark ERASING, erase the bytes, drop the row.
 */
public final class Drive implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Drive.class);
    /** Bytes at the start of a medium that must be zero for it to count as blank (safe to format). */
    private static final int BLANK_PROBE_BYTES = 1 << 20;

    private final DriveBackend backend;
    private final DriveLabel label;
    private final ExtentTable table;
    private final InstantSource clock;
    /** Every row, in table order; guarded by {@code this}. */
    private final Map<UUID, ExtentRecord> records = new LinkedHashMap<>();
    /**
     * What {@link #extents} and {@link #usage} answer: a copy made under the lock after every
     * change, read without it, so that a report (a heartbeat) never waits behind a change that
     * waits for the medium.
     */
    private volatile Published published;

    private record Published(List<ExtentRecord> extents, SpaceUsage usage) {}
    /** Active extents by id, readable without the lock. */
    private final Map<UUID, Extent> active = new ConcurrentHashMap<>();

    private Drive(DriveBackend backend, DriveLabel label, ExtentTable table, InstantSource clock) {
        this.backend = backend;
        this.label = label;
        this.table = table;
        this.clock = clock;
    }

    /**
     * Formats the medium as a new, empty drive: erases the data area, writes an empty extent table,
     * then the label. Whatever the medium held is lost.
     */
    public static Drive format(DriveBackend backend, UUID driveId, UUID nodeId, InstantSource clock)
            throws IOException {
        if (backend.sizeBytes() < Layout.MIN_CAPACITY) {
            throw new DriveException(
                    DriveException.Reason.INVALID,
                    backend.describe() + " is " + backend.sizeBytes() + " bytes; a drive needs at least "
                            + Layout.MIN_CAPACITY);
        }
        Layout layout = Layout.forCapacity(backend.sizeBytes());
        DriveLabel label = new DriveLabel(
                driveId,
                nodeId,
                layout.capacityBytes(),
                layout.tableCopyA(),
                layout.tableCopyB(),
                layout.tableCapacity(),
                Layout.ALIGNMENT,
                layout.dataStart(),
                clock.millis());
        backend.writeZeroes(0, Layout.BLOCK, true);
        backend.sync();
        backend.discard(layout.tableCopyA(), layout.capacityBytes() - layout.tableCopyA());
        ExtentTable table = ExtentTable.initialize(backend, label);
        backend.write(0, label.encode());
        backend.sync();
        log.info(
                "formatted {} as drive {} of node {} ({} bytes for data)",
                backend.describe(),
                driveId,
                nodeId,
                label.dataBytes());
        return new Drive(backend, label, table, clock);
    }

    /** True when the medium carries no label and its first MiB is all zeroes: safe to format. */
    public static boolean isBlank(DriveBackend backend) throws IOException {
        ByteBuffer probe = ByteBuffer.allocate((int) Math.min(BLANK_PROBE_BYTES, backend.sizeBytes()));
        backend.read(0, probe);
        for (int i = 0; i < probe.limit(); i++) {
            if (probe.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Opens a formatted drive, finishing any erase a crash interrupted. Empty when the medium has no
     * Cairn label; throws {@link DriveException} (CORRUPT) when it has one that cannot be trusted.
     */
    public static Optional<Drive> open(DriveBackend backend, InstantSource clock) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(Layout.BLOCK);
        backend.read(0, block);
        Optional<DriveLabel> maybeLabel = DriveLabel.decode(block, backend.describe());
        if (maybeLabel.isEmpty()) {
            return Optional.empty();
        }
        DriveLabel label = maybeLabel.get();
        if (backend.sizeBytes() < label.capacityBytes()) {
            throw new DriveException(
                    DriveException.Reason.CORRUPT,
                    backend.describe() + " is " + backend.sizeBytes() + " bytes but its label says "
                            + label.capacityBytes() + " (truncated, or a different medium?)");
        }
        ExtentTable.Loaded loaded = ExtentTable.load(backend, label, backend.describe());
        Drive drive = new Drive(backend, label, loaded.table(), clock);
        synchronized (drive) {
            for (ExtentRecord r : loaded.records()) {
                drive.records.put(r.id(), r);
                if (r.state() == ExtentRecord.State.ACTIVE) {
                    drive.active.put(r.id(), new Extent(r, backend));
                }
            }
        }
        for (ExtentRecord r : drive.extents()) {
            if (r.state() == ExtentRecord.State.ERASING) {
                log.info("drive {}: resuming the erase of extent {} interrupted by a restart", label.driveId(), r.id());
                drive.free(r.id());
            }
        }
        return Optional.of(drive);
    }

    public DriveLabel label() {
        return label;
    }

    public UUID id() {
        return label.driveId();
    }

    public String describe() {
        return backend.describe();
    }

    /**
     * Carves a new extent of {@code sizeBytes} (a positive multiple of 4 KiB) from the smallest free
     * gap that holds it. The extent reads as zeroes. Durable when this returns.
     */
    public Extent allocate(UUID id, long sizeBytes, ExtentAccess access) throws IOException {
        return allocate(id, sizeBytes, access, ExtentRecord.Kind.DATA);
    }

    /** As {@link #allocate(UUID, long, ExtentAccess)}, for an extent of {@code kind}. */
    public synchronized Extent allocate(UUID id, long sizeBytes, ExtentAccess access, ExtentRecord.Kind kind)
            throws IOException {
        if (sizeBytes <= 0 || sizeBytes % Layout.BLOCK != 0) {
            throw new DriveException(
                    DriveException.Reason.INVALID,
                    "extent size " + sizeBytes + " is not a positive multiple of " + Layout.BLOCK);
        }
        ExtentRecord existing = records.get(id);
        if (existing != null) {
            throw new DriveException(
                    DriveException.Reason.CONFLICT,
                    "extent " + id + " already exists on drive " + id()
                            + (existing.state() == ExtentRecord.State.ERASING ? " (being freed)" : ""));
        }
        long needed = Layout.roundUp(sizeBytes, Layout.ALIGNMENT);
        long offset = SpaceMap.of(records.values(), label).bestFit(needed).orElseThrow(() -> noSpace(sizeBytes));
        ExtentRecord record =
                new ExtentRecord(id, offset, sizeBytes, ExtentRecord.State.ACTIVE, access, clock.millis(), kind);
        List<ExtentRecord> next = new ArrayList<>(records.values());
        next.add(record);
        table.store(next);
        records.put(id, record);
        publish();
        Extent extent = new Extent(record, backend);
        active.put(id, extent);
        log.info("drive {}: allocated extent {} of {} bytes at {}", id(), id, sizeBytes, offset);
        return extent;
    }

    /**
     * Grows an extent to {@code sizeBytes} (a multiple of 4 KiB, not smaller than it is) without
     * moving a byte of it: its last piece gets longer when the space after it is free, otherwise a
     * new piece is carved from the smallest gap that holds the rest. The new bytes read as zeroes.
     * Durable when this returns; I/O goes on meanwhile. A size it already has changes nothing.
     */
    public synchronized Extent grow(UUID id, long sizeBytes) throws IOException {
        ExtentRecord r = records.get(id);
        Extent extent = active.get(id);
        if (r == null || extent == null) {
            throw new DriveException(DriveException.Reason.NOT_FOUND, "no extent " + id + " on drive " + id());
        }
        if (sizeBytes % Layout.BLOCK != 0 || sizeBytes < r.sizeBytes()) {
            throw new DriveException(
                    DriveException.Reason.INVALID,
                    "extent " + id + " of " + r.sizeBytes() + " bytes cannot become " + sizeBytes
                            + " (an extent grows by multiples of " + Layout.BLOCK + " and never shrinks)");
        }
        if (sizeBytes == r.sizeBytes()) {
            return extent;
        }
        List<ExtentRecord.Piece> pieces;
        try {
            pieces = ExtentGrowth.pieces(r, sizeBytes - r.sizeBytes(), records.values(), label);
        } catch (ExtentGrowth.NoRoom e) {
            throw new DriveException(
                    e.reason,
                    "drive " + id() + " cannot grow extent " + id + " to " + sizeBytes + " bytes: " + e.getMessage());
        }
        ExtentRecord grown = r.withPieces(pieces);
        List<ExtentRecord> next = new ArrayList<>(records.values());
        next.replaceAll(x -> x.id().equals(id) ? grown : x);
        table.store(next);
        records.put(id, grown);
        publish();
        extent.grew(pieces);
        log.info(
                "drive {}: grew extent {} from {} to {} bytes ({} piece(s))",
                id(),
                id,
                r.sizeBytes(),
                sizeBytes,
                pieces.size());
        return extent;
    }

    private DriveException noSpace(long sizeBytes) {
        SpaceUsage usage = usage();
        if (ExtentTable.entries(records.values()) >= label.tableCapacity()) {
            return new DriveException(
                    DriveException.Reason.TABLE_FULL,
                    "drive " + id() + " already holds its maximum of " + label.tableCapacity() + " extents");
        }
        return new DriveException(
                DriveException.Reason.NO_SPACE,
                "drive " + id() + " has no free gap of " + Layout.roundUp(sizeBytes, Layout.ALIGNMENT)
                        + " bytes for an extent of " + sizeBytes + " (free " + usage.freeBytes()
                        + ", largest gap " + usage.largestFreeBytes() + ")");
    }

    /** The active extent with this id. */
    public Optional<Extent> extent(UUID id) {
        return Optional.ofNullable(active.get(id));
    }

    /** A snapshot of every row, including extents being freed, ordered by offset. */
    public List<ExtentRecord> extents() {
        return published().extents();
    }

    private Published published() {
        Published p = published;
        if (p == null) {
            synchronized (this) {
                publish();
                p = published;
            }
        }
        return p;
    }

    /** Makes the rows as they are now what reports see; the caller holds this drive's lock. */
    private void publish() {
        List<ExtentRecord> list = new ArrayList<>(records.values());
        list.sort(Comparator.comparingLong(ExtentRecord::offset));
        SpaceMap map = SpaceMap.of(records.values(), label);
        published = new Published(
                List.copyOf(list),
                new SpaceUsage(label.dataBytes(), map.usedBytes(), map.largestGap(), records.size()));
    }

    /** Replaces the access rule of an extent; the generation may never go backwards. */
    public synchronized void setAccess(UUID id, ExtentAccess access) throws IOException {
        ExtentRecord r = records.get(id);
        Extent extent = active.get(id);
        if (r == null || extent == null) {
            throw new DriveException(DriveException.Reason.NOT_FOUND, "no extent " + id + " on drive " + id());
        }
        if (access.generation() < r.access().generation()) {
            throw new DriveException(
                    DriveException.Reason.INVALID,
                    "generation " + access.generation() + " of extent " + id + " is older than its current "
                            + r.access().generation());
        }
        ExtentRecord updated = r.withAccess(access);
        List<ExtentRecord> next = new ArrayList<>(records.values());
        next.replaceAll(x -> x.id().equals(id) ? updated : x);
        table.store(next);
        records.put(id, updated);
        publish();
        extent.setAccess(access);
    }

    /**
     * Frees an extent: refuses new I/O on it, waits for I/O in flight, erases its bytes (discard,
     * so they read back as zeroes), and only then returns its space. Freeing an extent that is
     * already being freed finishes the job.
     */
    public void free(UUID id) throws IOException {
        free(id, () -> {});
    }

    /**
     * Frees an extent like {@link #free(UUID)}, running {@code onHidden} once the extent is marked
     * erasing (durably) and can no longer be found, before waiting for the I/O in flight: the
     * moment to disconnect its clients.
     */
    public void free(UUID id, Runnable onHidden) throws IOException {
        Extent extent;
        ExtentRecord erasing;
        synchronized (this) {
            erasing = markErasing(id);
            extent = active.remove(id);
        }
        onHidden.run();
        if (extent != null) {
            try {
                extent.closeAndDrain();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DriveException(DriveException.Reason.CLOSED, "interrupted while freeing extent " + id, e);
            }
        }
        for (ExtentRecord.Piece p : erasing.pieces()) {
            backend.discard(p.offset(), p.allocatedBytes());
        }
        backend.sync();
        synchronized (this) {
            if (records.containsKey(id)) {
                List<ExtentRecord> next = new ArrayList<>(records.values());
                next.removeIf(x -> x.id().equals(id));
                table.store(next);
                records.remove(id);
                publish();
            }
        }
        log.info("drive {}: erased and freed extent {} ({} bytes)", id(), id, erasing.allocatedBytes());
    }

    /** Marks the extent ERASING, durably; the caller holds this drive's lock. */
    private ExtentRecord markErasing(UUID id) throws IOException {
        ExtentRecord r = records.get(id);
        if (r == null) {
            throw new DriveException(DriveException.Reason.NOT_FOUND, "no extent " + id + " on drive " + id());
        }
        if (r.state() == ExtentRecord.State.ERASING) {
            return r;
        }
        ExtentRecord erasing = r.withState(ExtentRecord.State.ERASING);
        List<ExtentRecord> next = new ArrayList<>(records.values());
        next.replaceAll(x -> x.id().equals(id) ? erasing : x);
        table.store(next);
        records.put(id, erasing);
        publish();
        return erasing;
    }

    /** Space accounting of the data area; extents being freed still count as used. */
    public SpaceUsage usage() {
        return published().usage();
    }

    /** Stops I/O on every extent, makes everything written durable, and releases the medium. */
    @Override
    public void close() throws IOException {
        for (Extent e : active.values()) {
            try {
                e.closeAndDrain();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try {
            backend.sync();
        } finally {
            backend.close();
        }
    }
}
