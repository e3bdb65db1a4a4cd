package dev.cairn.node;

import dev.cairn.control.api.Views;
import dev.cairn.drive.ExtentAccess;
import dev.cairn.drive.ExtentRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converges the node's extents on what the controller wants: creates the missing ones, grows those
 * the controller wants larger (a volume grown), gives each the access (generation, secret) asked
 * for, and erases and frees the orphans the controller names.
 * Idempotent: running it twice on the same desired state does nothing the second time. An extent
 * the controller wants is never erased; an extent it does not mention is left alone (it shows up in
 * the controller as an orphan it never knew, for an operator to judge).
 */
final class Reconciler {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    /** What one pass did: whether anything changed, and what could not be done. */
    record Result(boolean changed, List<String> errors) {}

    private final StorageNode node;

    Reconciler(StorageNode node) {
        this.node = node;
    }

    Result apply(Views.DesiredView desired) {
        List<String> errors = new ArrayList<>();
        boolean changed = false;
        Set<UUID> wanted = new HashSet<>();
        for (Views.DesiredExtent e : desired.extents()) {
            try {
                UUID id = e.id();
                wanted.add(id);
                ExtentRecord.Kind kind = switch (e.kind()) {
                    case DATA -> ExtentRecord.Kind.DATA;
                    case KV -> ExtentRecord.Kind.KV;
                    case BSTORE -> ExtentRecord.Kind.BSTORE;
                };
                changed |= ensure(id, e.driveId(), e.sizeBytes(), new ExtentAccess(e.generation(), e.secret()), kind);
            } catch (IOException | IllegalArgumentException ex) {
                errors.add("extent " + e.id() + ": " + ex.getMessage());
            }
        }
        for (UUID id : desired.erase()) {
            try {
                if (wanted.contains(id)) {
                    errors.add("extent " + id + " is both wanted and to be erased; kept");
                } else if (node.extents().find(id).isPresent()) {
                    node.extents().delete(id);
                    log.info("extent {}: erased and freed (orphan)", id);
                    changed = true;
                }
            } catch (IOException | IllegalArgumentException ex) {
                errors.add("orphan " + id + ": " + ex.getMessage());
            }
        }
        errors.forEach(e -> log.warn("reconcile: {}", e));
        return new Result(changed, List.copyOf(errors));
    }

    /** Makes sure the extent exists as asked; true if anything had to change. */
    private boolean ensure(UUID id, UUID driveId, long size, ExtentAccess access, ExtentRecord.Kind kind)
            throws IOException {
        Optional<ExtentService.Located> found = node.extents().find(id);
        if (found.isEmpty()) {
            node.extents().create(Optional.of(id), size, Optional.of(driveId), access, kind);
            log.info(
                    "extent {}: created on drive {} ({} bytes, {}, generation {})",
                    id,
                    driveId,
                    size,
                    switch (kind) {
                        case DATA -> "a leg";
                        case KV -> "a KV volume";
                        case BSTORE -> "a BStore";
                    },
                    access.generation());
            return true;
        }
        ExtentRecord r = found.get().record();
        if (r.kind() != kind) {
            throw new IOException("exists as " + r.kind() + ", the controller wants " + kind + "; kept as is");
        }
        if (r.state() != ExtentRecord.State.ACTIVE) {
            throw new IOException("exists but is " + r.state() + "; the controller still wants it");
        }
        boolean changed = false;
        if (r.sizeBytes() < size && kind != ExtentRecord.Kind.KV) {
            node.extents().grow(id, size);
            log.info("extent {}: grown from {} to {} bytes", id, r.sizeBytes(), size);
            changed = true;
        } else if (r.sizeBytes() != size) {
            throw new IOException("exists with " + r.sizeBytes() + " bytes, the controller wants " + size
                    + "; kept as is ("
                    + (kind == ExtentRecord.Kind.KV ? "a KV volume never changes size" : "an extent never shrinks")
                    + ")");
        }
        if (!r.access().equals(access)) {
            node.setAccess(id, access);
            return true;
        }
        return changed;
    }
}
