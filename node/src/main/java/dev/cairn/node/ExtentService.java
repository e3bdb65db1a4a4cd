package dev.cairn.node;

import dev.cairn.control.api.CrashPoints;
import dev.cairn.drive.Drive;
import dev.cairn.drive.DriveException;
import dev.cairn.drive.Extent;
import dev.cairn.drive.ExtentAccess;
import dev.cairn.drive.ExtentRecord;
import dev.cairn.drive.SpaceUsage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The node's extents across all its drives: where each lives, and the operations the admin API
 * (and later the controller's reconciliation) performs on them. Creation is idempotent for the
 * same id and size, so a request that is retried after a timeout does no harm.
 */
public final class ExtentService {

    /** An extent and the drive it lives on. */
    public record Located(Drive drive, ExtentRecord record) {}

    /** The outcome of a create: the extent, and whether this call made it. */
    public record Created(Located extent, boolean created) {}

    private final List<Drive> drives;
    private final Map<UUID, Drive> owners = new ConcurrentHashMap<>();
    /** Run before an extent's bytes are erased: the NBD layer disconnects its clients. */
    private final List<Consumer<UUID>> beforeErase = new CopyOnWriteArrayList<>();

    ExtentService(List<Drive> drives) throws IOException {
        this.drives = List.copyOf(drives);
        for (Drive d : drives) {
            for (ExtentRecord r : d.extents()) {
                Drive other = owners.put(r.id(), d);
                if (other != null) {
                    throw new IOException("extent " + r.id() + " is on two drives (" + other.id() + " and " + d.id()
                            + "); refusing to guess which is live");
                }
            }
        }
    }

    void onBeforeErase(Consumer<UUID> hook) {
        beforeErase.add(hook);
    }

    public List<Drive> drives() {
        return drives;
    }

    public Created create(Optional<UUID> requestedId, long sizeBytes, Optional<UUID> driveId, ExtentAccess access)
            throws IOException {
        return create(requestedId, sizeBytes, driveId, access, ExtentRecord.Kind.DATA);
    }

    /** As above, for an extent of {@code kind} (a KV volume, or blocks). */
    public synchronized Created create(
            Optional<UUID> requestedId,
            long sizeBytes,
            Optional<UUID> driveId,
            ExtentAccess access,
            ExtentRecord.Kind kind)
            throws IOException {
        UUID id = requestedId.orElseGet(UUID::randomUUID);
        Optional<Located> existing = find(id);
        if (existing.isPresent()) {
            ExtentRecord r = existing.get().record();
            if (r.state() == ExtentRecord.State.ACTIVE
                    && r.sizeBytes() == sizeBytes
                    && r.access().equals(access)
                    && r.kind() == kind) {
                return new Created(existing.get(), false);
            }
            throw new DriveException(
                    DriveException.Reason.CONFLICT,
                    "extent " + id + " already exists with size " + r.sizeBytes() + ", generation "
                            + r.access().generation() + ", kind " + r.kind() + " and state " + r.state());
        }
        Drive drive = driveId.isPresent() ? drive(driveId.get()) : roomiest(sizeBytes);
        Extent extent = drive.allocate(id, sizeBytes, access, kind);
        owners.put(id, drive);
        return new Created(locate(drive, extent.id()), true);
    }

    /** The drive with the largest free gap (then the most free space): spreads extents evenly. */
    private Drive roomiest(long sizeBytes) throws DriveException {
        Comparator<Drive> byRoom = Comparator.comparingLong(
                        (Drive d) -> d.usage().largestFreeBytes())
                .thenComparingLong(d -> d.usage().freeBytes());
        Drive best = drives.stream().max(byRoom).orElseThrow();
        if (best.usage().largestFreeBytes() < sizeBytes) {
            long total = drives.stream().mapToLong(d -> d.usage().freeBytes()).sum();
            throw new DriveException(
                    DriveException.Reason.NO_SPACE,
                    "no drive on this node has room for an extent of " + sizeBytes + " bytes (largest free gap "
                            + best.usage().largestFreeBytes() + " on drive " + best.id() + ", " + total
                            + " free in all)");
        }
        return best;
    }

    public Drive drive(UUID driveId) throws DriveException {
        return drives.stream()
                .filter(d -> d.id().equals(driveId))
                .findFirst()
                .orElseThrow(() ->
                        new DriveException(DriveException.Reason.NOT_FOUND, "no drive " + driveId + " on this node"));
    }

    public Optional<Located> find(UUID id) {
        Drive d = owners.get(id);
        return d == null ? Optional.empty() : Optional.ofNullable(locate(d, id));
    }

    /** The active extent itself, for I/O. */
    public Optional<Extent> extent(UUID id) {
        Drive d = owners.get(id);
        return d == null ? Optional.empty() : d.extent(id);
    }

    private static Located locate(Drive d, UUID id) {
        return d.extents().stream()
                .filter(r -> r.id().equals(id))
                .findFirst()
                .map(r -> new Located(d, r))
                .orElse(null);
    }

    public List<Located> list() {
        List<Located> all = new ArrayList<>();
        for (Drive d : drives) {
            d.extents().forEach(r -> all.add(new Located(d, r)));
        }
        return all;
    }

    public synchronized void setAccess(UUID id, ExtentAccess access) throws IOException {
        Drive d = owners.get(id);
        if (d == null) {
            throw notFound(id);
        }
        d.setAccess(id, access);
    }

    /**
     * Grows an extent to {@code sizeBytes} on its drive (see {@link Drive#grow}); a client already
     * connected keeps the size it was told until it connects again.
     */
    public synchronized void grow(UUID id, long sizeBytes) throws IOException {
        Drive d = owners.get(id);
        if (d == null) {
            throw notFound(id);
        }
        d.grow(id, sizeBytes);
    }

    /**
     * Hides the extent (no new client can open it), disconnects its clients, erases its bytes and
     * frees its space.
     */
    public void delete(UUID id) throws IOException {
        Drive d = owners.get(id);
        if (d == null) {
            throw notFound(id);
        }
        d.free(id, () -> {
            beforeErase.forEach(hook -> hook.accept(id));
            CrashPoints.reach("node.extent-erasing"); // marked erasing on the drive, not yet freed
        });
        owners.remove(id);
    }

    /** Space across all drives. */
    public SpaceUsage usage() {
        long data = 0;
        long used = 0;
        long largest = 0;
        int count = 0;
        for (Drive d : drives) {
            SpaceUsage u = d.usage();
            data += u.dataBytes();
            used += u.usedBytes();
            largest = Math.max(largest, u.largestFreeBytes());
            count += u.extentCount();
        }
        return new SpaceUsage(data, used, largest, count);
    }

    private static DriveException notFound(UUID id) {
        return new DriveException(DriveException.Reason.NOT_FOUND, "no extent " + id + " on this node");
    }
}
