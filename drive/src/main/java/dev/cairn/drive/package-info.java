/**
 * Drives and extents: the storage node's data path below the network.
 *
 * <h2>On-disk format (version 1)</h2>
 *
 * <pre>
 *   [0, 4 KiB)              label: magic "CAIRNDRV", version, drive id, node id, capacity,
 *                           table offsets and capacity, alignment, data start; CRC32C
 *   [4 KiB, ..)             extent table copy A
 *   [.., ..)                extent table copy B
 *   [data start, capacity)  extents, each starting on a 1 MiB boundary
 * </pre>
 *
 * See {@link dev.cairn.drive.DriveLabel} and {@code ExtentTable} for the byte layouts. The table
 * copies carry a sequence number and a CRC32C; an update rewrites the older copy and syncs, so a
 * crash at any point leaves a complete copy (the newest valid one wins on open).
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li>Free space reads as zeroes: a new drive is sparse or discarded at format, and an extent is
 *       erased (discarded) before its row leaves the table, so no volume ever sees another's data.
 *   <li>Freeing is three durable steps (mark ERASING, erase, drop the row); a drive opened after a
 *       crash finishes any erase it finds.
 *   <li>Rows never overlap and never leave the data area; an update that would break this is
 *       refused before anything is written.
 * </ul>
 *
 * <h2>Threads</h2>
 *
 * Metadata changes are serialized on the {@link dev.cairn.drive.Drive}; block I/O on an {@link
 * dev.cairn.drive.Extent} takes no lock, only an in-flight count that freeing waits to drain.
 */
package dev.cairn.drive;
