package dev.cairn.control.model;

import java.util.UUID;

/**
 * An extent as a node reported it in its inventory. {@code bstore}: it is a BStore of an
 * erasure-coded volume, which the state does not list once the volume's creation is over (its
 * PStores' layouts in the DKV do): never taken for an extent the controller does not know.
 */
public record ObservedExtent(UUID id, UUID driveId, long sizeBytes, boolean erasing, long generation, boolean bstore) {

    /** A leg's extent or a KV volume. */
    public ObservedExtent(UUID id, UUID driveId, long sizeBytes, boolean erasing, long generation) {
        this(id, driveId, sizeBytes, erasing, generation, false);
    }
}
