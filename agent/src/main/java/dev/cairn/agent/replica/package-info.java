/**
 * Replication of one volume over its legs: the I/O paths ({@link
 * dev.cairn.agent.replica.ReplicatedVolume}), the legs' states and superblocks ({@code LegSet}),
 * assembly at attach time ({@link dev.cairn.legs.sync.ResyncPlan}, a pure function) and resync
 * ({@code LegSyncer}, paced by the agent-wide {@link dev.cairn.legs.sync.ResyncThrottle}).
 *
 * <p>Leg states ({@code LegState}, reported as {@link dev.cairn.control.api.AgentApi.LegSyncState}):
 * CONNECTING at attach (or when the controller adds a leg); IN_SYNC (reads and writes) or SYNCING
 * (writes only, being copied to); FAILED on any error, timeout or lost connection, then tried again
 * with backoff and, once it answers, SYNCING with the dirty regions (or every region if its header
 * cannot be trusted: blank, damaged, another volume's). Each state is a record carrying what
 * belongs to it (IN_SYNC and SYNCING their connection, FAILED its reason); the moves are a table,
 * and a move it does not list throws (an in-sync leg never goes back to SYNCING without failing).
 *
 * <p>Owners and threads:
 *
 * <ul>
 *   <li>{@code LegSet} owns the leg list, every leg's state and the event counter: each change
 *       happens under its monitor, which is never held for I/O or a wait. The list is copy-on-write
 *       and a leg's state (with its connection) one volatile value, so requests read them without
 *       the monitor. Every request to a leg goes through {@code Leg.send}, which counts it
 *       outstanding until it completes or times out; reads go through {@code LegSet.read}, the one
 *       path that picks an in-sync leg, fails it on an error and tries another.
 *   <li>{@code SuperblockWriter}: one thread per volume writes the superblocks whenever the in-sync
 *       set changed; the thread that failed a leg only hands it a request, and writes wait for it
 *       ({@code awaitStable}) before they are acknowledged.
 *   <li>{@code LegAssembly}: one maintenance thread per volume applies the controller's leg list,
 *       assembles, reconnects failed legs, starts the syncs and sweeps the bitmap; it moves the
 *       {@link dev.cairn.agent.replica.ReplicatedVolume} from ASSEMBLING to SERVING (one validated
 *       {@link dev.cairn.agent.ServedVolume.Phase}; closing moves it to CLOSED).
 *   <li>A sync thread per SYNCING leg ({@code Resyncs}) runs {@code workers} copy threads (default
 *       8, {@code cairn agent --sync-workers}) and joins its leg when done; client requests run on
 *       the NBD server's virtual threads; a virtual thread per lost connection fails its leg.
 * </ul>
 *
 * <p>Legs changing at the same generation ({@link
 * dev.cairn.agent.replica.ReplicatedVolume#reconfigure}): the maintenance thread brings the leg list
 * to the controller's. The list is copy-on-write, so a request uses the legs it started with. An
 * added leg is opened like a returning one; its header is blank, so it is SYNCING with every
 * region, takes every write meanwhile, and joins IN_SYNC when the copy is done. A removed leg is
 * taken out of the list (FAILED), its sync interrupted, its connection closed; requests in flight
 * to it fail without failing the client's request; if it was in sync, the remaining in-sync legs'
 * superblocks are rewritten without it before more writes are acknowledged. The only in-sync leg
 * is never removed: it stays until another leg is in sync.
 *
 * <p>Failure modes: a leg failing while in sync raises the event counter on the survivors before
 * any later write is acknowledged, so after an agent crash it can never look fresh; with no in-sync
 * leg left, I/O fails with EIO and the maintenance thread re-assembles the volume from whichever
 * legs come back, waiting for every leg the newest header names as in sync. A new leg's header is
 * first written when it joins, after its copy was flushed: an agent dying during the copy (crash
 * points {@code agent.sync-halfway}, {@code agent.sync-copied}) leaves it blank, so the next
 * assembly gives it every region again and never reads from it.
 */
package dev.cairn.agent.replica;
