/**
 * Erasure-coded volumes in the agent (DESIGN.md section 6): the agent encodes and decodes for the
 * volumes it serves, client side, as it replicates replicated ones.
 *
 * <p><b>Layout.</b> {@link dev.cairn.agent.ec.StripeGeometry}: a volume is a sequence of PStores;
 * each is {@code k} data and {@code m} parity BStores (extents on distinct drives of distinct
 * nodes), cut in rows of {@code k} chunks. Chunk {@code c} of row {@code r} is at the same offset
 * of data BStore {@code c}; parity BStore {@code k + p} holds parity row {@code p} of ISA-L's
 * Cauchy code over the row. Reads come from the data BStores as they are.
 *
 * <p><b>Writes.</b> Whole rows are encoded once. A partial write reads, over the byte range it
 * touches, the other data chunks of its row (never the old parity: parity is recomputed, so a row
 * made inconsistent before is made right by the next write to it), and writes new data and parity.
 * Each row has a lock (64 per PStore, by row number) held by writes and by degraded reads, which
 * rebuild from parity and must not see a row half-written; reads of usable data chunks take none.
 *
 * <p><b>Members lost.</b> A member that errs or does not answer within the BStore timeout is
 * failed for the attachment; requests go on with the others and fail with an I/O error only when
 * fewer than {@code k} are left (data is never made up). Before a write that skipped a failed
 * member is acknowledged, every usable member's superblock ({@link
 * dev.cairn.legs.header.PStoreHeader}) names it failed, with the next event number: an attach reads
 * every member's header and trusts the newest superblock's list, so a member that missed writes is
 * never read as if it held them.
 *
 * <p><b>The write hole, and returning members.</b> Each PStore has a write-intent bitmap (one bit
 * per region of rows, after the superblock on every member, the same {@code WriteIntentBitmap} as
 * replicated volumes): a region's bit is durable on the usable members before the first write to
 * it, and is cleared lazily (a sweep that finds it quiet twice, after a flush of every member) and
 * only while every member is usable. So after a client died mid-write, every row whose data and
 * parity may disagree is in a dirty region, and so is every row written while a member was failed.
 * The next attach, before it serves, recomputes parity over each dirty region's rows from the data
 * members, and rebuilds there the chunks of members that missed writes (from {@code k} members that
 * did not): the torn rows are consistent again before a later loss could rebuild from them, and a
 * member back within the repair timeout gets only the regions written meanwhile. We chose this (as
 * Linux md's bitmap resync) over a partial-parity log for every write because it costs one bitmap
 * page write per clean region touched (as for legs), nothing per write, and reuses the legs'
 * bitmap.
 *
 * <p><b>The write hole while degraded.</b> The bitmap alone cannot close one case: a client that
 * dies mid-write while a <em>data</em> member of that row is already missing. That member's chunk
 * exists only in the parity the write was changing, so after the crash neither it nor the parity
 * can be checked (md has the same hole without its PPL). So while a data member is not usable,
 * every write to a row first records what the missing chunks hold over the bytes whose parity it
 * will write, once it is done ({@link dev.cairn.agent.ec.DegradedWriteLog}: an entry of {@link
 * dev.cairn.legs.header.DegradedWrite} in a slot after the bitmap of every usable member, answered
 * by every one of their nodes before any data or parity of the row is sent); the next attach takes
 * those bytes from the newest whole entry of each slot instead of rebuilding them from torn
 * parity. We chose this over writing stripes out of place (no second location or indirection on
 * the BStores, no garbage to collect) and over a journal of every partial write (nothing is paid
 * while every data member is there). Measured with {@code bench/ec-vs-replicated.sh --degraded}
 * (2 vCPUs, a 4+2 volume with a data BStore's node dead), against the same build without the log:
 * 1 MiB writes at QD8 234.6 against 314.4 MB/s (0.75), 4k random writes at QD32 3,530 against
 * 6,410 IOPS (0.55): a second round trip to five nodes per row, and rows written whole go row by
 * row while degraded. The entries are not written with FUA: the agent's host dying (what the log
 * is for) leaves the storage nodes up with every entry they answered, whereas FUA entries cost
 * 94.2 MB/s and 1,376 IOPS (0.30 and 0.21: a synchronous drive write on five nodes for every row
 * written). A member counts as missing from the moment its connection drops (a dead node's reset
 * reaches the agent before its next write), and a partial write whose reads find a data member
 * failed logs the row before it writes anything; the attach reads the log whenever a data member
 * is named failed or does not answer (the client may have died before any superblock named it).
 * Its limits: the storage nodes losing power together with the agent in the middle of such a
 * write (their page caches may lose entries whose rows reached the drives), and a member that
 * fails during the very write the client dies in without having failed a read first (a node that
 * hangs under a write of whole rows).
 *
 * <p><b>Reprotect.</b> When the controller rebuilds a lost member elsewhere, its view marks the
 * member kept: the agent leaves it and writes the superblock naming it failed at once (the node
 * rebuilding it waits for that superblock, so every row written after it read a row is in a dirty
 * region). When the view names the rebuilt member in its place, the agent connects it, writes to it
 * from then on (it is not read), catches it up over every dirty region under the rows' locks, and
 * then reads from it and writes a superblock that no longer names it ({@link
 * dev.cairn.agent.ec.MemberChanges}). A member moved to another node while well (a drain, the
 * rebalance) is never left that way: it stays in use, named moving in the superblock (its bits kept),
 * while its node fills the new BStore; when the view names the new BStore, the agent writes every
 * write to both (but the superblock: the new BStore's own names it stale until the switch, so an
 * attach after the agent died meanwhile catches it up), copies the dirty regions' rows from the old
 * BStore to the new one under the rows' locks, then makes the new one the member and leaves the old
 * one, which the controller erases only once this agent's report no longer names it ({@link
 * dev.cairn.agent.ec.MemberMoves}).
 *
 * <p><b>Threads.</b> Requests run on the NBD request threads and wait on the members' futures;
 * assembly (connect every member, read headers, repair, write the superblock) runs on one virtual
 * thread per attach; one virtual thread per volume sweeps the bitmaps and tries failed members
 * again; a member that joins is caught up on a virtual thread of its own.
 *
 * <p><b>Members that return while served.</b> A member that failed while the volume is served (its
 * node restarted, hung, or was cut off for less than the class's repair timeout) is connected
 * again every {@code retryEvery}, backing off to eight times that, at the address the controller's
 * view gives now ({@link dev.cairn.agent.ec.MemberRejoins}). If it answers with its own header (or
 * a blank one), it is caught up as a rebuilt member is: written from then on, every dirty region's
 * rows rebuilt into it under the rows' locks (no bit clears while a member is missing, so those are
 * every region written since it failed), then read from. A damaged or foreign header keeps it
 * failed (a reprotect replaces it); a member being rebuilt elsewhere is not tried.
 */
package dev.cairn.agent.ec;
