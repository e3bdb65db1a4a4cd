/**
 * The DKV's data path: the slot format, the rule every mirror applies, the layout, and the client
 * that puts, gets, deletes, scans and recovers. It knows nothing of PStores, nodes or the
 * controller: a {@link dev.cairn.dkv.KvVolume} is a mirror as a client reaches it, a {@link
 * dev.cairn.dkv.LayoutSource} gives the layout; {@link dev.cairn.dkv.ControlledDkv} is the client
 * over the controller's layout route. (Serving KV volumes from the nodes' drives, keeping the
 * layout and the quorum epoch in the controller's replicated state, reservations, and the
 * operators' commands build on this package.)
 *
 * <p><b>Slots.</b> A key has one 4 KiB slot on each mirror of its shard: magic, format, flags
 * (settled, deleted), key, version, length, CRC32C, value ({@link dev.cairn.dkv.SlotCodec}). A slot
 * that does not hold together (torn by a crash, damaged, or holding another key) is never returned:
 * a get that meets one resolves the key from every mirror and writes the good value back over it.
 *
 * <p><b>Versions and the slot rule.</b> A version is a counter and the id of the writer that chose
 * it. A put reads the key's version from one mirror and takes a counter above it and above every
 * counter this client gave before, so no two puts share a version. Every mirror keeps the greater
 * version of what it holds and what is written to it ({@link dev.cairn.dkv.SlotRule}, applied where
 * the slot is stored), so concurrent puts of one key end with the same winner, whole, on every
 * mirror, whatever order their writes arrive in, and no late or repeated write takes a slot back.
 *
 * <p><b>Put and get.</b> A put writes its slot to every mirror of the shard with FUA and returns
 * once all have it (or a greater version); it then marks the slot settled on every mirror without
 * waiting. A get reads one ready mirror (the next in turn; another if it cannot be reached). An
 * empty or settled slot is the answer. Anything else is resolved: every mirror is read, the
 * greatest valid version is written with FUA to each mirror that lacks it, and it is returned only
 * once every mirror holds it.
 *
 * <p><b>The hazard, and why it cannot happen.</b> "Read any mirror" with "recover from one
 * mirror" could let a get return a value that only some mirrors had, that recovery then drops. Here
 * a get returns a version only when every mirror of the shard holds it or a greater one: a settled
 * mark is written only after every mirror took the put, and a resolve completes the put itself
 * before it answers. Recovery ({@link dev.cairn.dkv.DkvClient#recover}) writes to every mirror of
 * the new layout, the fresh one included, the greatest valid version any surviving mirror holds,
 * slot by slot; so everything a get ever returned is on the surviving mirrors and stays, and the
 * mirrors are identical again even if a put was in flight. A put whose attempt is refused for a
 * stale epoch writes the same slot again under the new layout, never a new version: a new version
 * would let the one put take effect a second time, after puts that began once a get had returned
 * it (the simulation found exactly this). No get therefore returns a value that a later get does
 * not also return until it is overwritten or deleted; {@code DkvSimulationTest} checks every key's
 * history for linearizability over thousands of seeded schedules with lost mirrors, lost replies,
 * recoveries and torn writes.
 *
 * <p><b>Epochs.</b> Every I/O carries the epoch of the layout it was planned on, and a mirror
 * refuses an older one ({@link dev.cairn.dkv.DkvException.StaleEpoch}): the operation starts again
 * on a newer layout, up to four times. A fresh mirror takes every write but serves no read until
 * the layout says it is ready. What the nodes add, and why: a node serves a KV volume only while
 * its controller's last desired state names it (after a restart, none until it has heard), and a
 * node cut off from the controller stops serving KV I/O once its lease (two thirds of the time
 * after which the controller judges a silent node offline) runs out, before its mirrors could be
 * replaced; else a client with an old layout could read a mirror that was replaced meanwhile.
 *
 * <p><b>Quorum changes in the controller.</b> The epoch rises whenever a shard's mirrors change and
 * whenever a node holding a mirror is judged offline or returns. A mirror whose node is offline is
 * replaced by a fresh one that takes writes but serves no read; once every mirror of the shard is
 * served at the new epoch (so no client of an older layout can write any of them), the leader
 * copies the greatest version of every slot onto every mirror ({@link
 * dev.cairn.dkv.DkvClient#recover}) and then logs the shard recovered. The mirror replaced is kept
 * on its drive until then: if every mirror failed during the recovery it would be the last copy.
 *
 * <p><b>Threads and failures.</b> The client has no thread of its own: each step runs where the
 * previous I/O completed, which is what lets the simulation decide every interleaving from a seed.
 * A mirror that cannot be reached fails a put ({@link dev.cairn.dkv.DkvException.MirrorUnavailable})
 * until the controller replaces it; gets go on from the other mirrors unless they need a resolve.
 * A key damaged on every mirror is reported lost ({@link dev.cairn.dkv.DkvException.Lost}), never
 * as absent.
 */
package dev.cairn.dkv;
