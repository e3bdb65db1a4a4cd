/**
 * The storage node daemon: its drives ({@code DriveSet}), its extents across them ({@link
 * dev.cairn.node.ExtentService}), every active extent served over NBD with per-extent access
 * control and generation fencing ({@code ExtentExports}, {@code ExtentSession}), and the admin
 * HTTP API ({@code AdminApi}).
 *
 * <p>Access: an extent with a secret opens only as {@code ID;gen=G;key=SECRET} with G its current
 * generation; a connection is bound to the generation it opened with and is refused I/O (EPERM)
 * once the extent moves on. Deleting an extent disconnects its clients, then erases it.
 *
 * <p>KV volumes: an extent of kind KV is served by {@code KvExtentSession}, its generation being the
 * DKV's quorum epoch. Every slot written is judged by the DKV's slot rule under a per-slot lock
 * shared by the volume's connections (striped, 64 per volume), so concurrent writers of one slot
 * leave the greater version, whole; partial slots, trims and write-zeroes are refused (EINVAL).
 */
package dev.cairn.node;
