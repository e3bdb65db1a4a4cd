/**
 * Replication of one volume over its legs: the I/O paths ({@link
 * dev.cairn.agent.replica.ReplicatedVolume}), the legs' states and superblocks ({@code LegSet}),
 * assembly at attach time ({@link dev.cairn.agent.replica.ResyncPlan}, a pure function) and resync
 * ({@code LegSyncer}).
 *
 * <p>Leg states: CONNECTING at attach; IN_SYNC (reads and writes) or SYNCING (writes only, being
 * copied to); FAILED on any error, timeout or lost connection, then tried again with backoff and,
 * once it answers, SYNCING with the dirty regions (or every region if its header cannot be
 * trusted). State changes happen under {@code LegSet}'s monitor; I/O threads read volatile fields.
 *
 * <p>Failure modes: a leg failing while in sync raises the event counter on the survivors before
 * any later write is acknowledged, so after an agent crash it can never look fresh; with no in-sync
 * leg left, I/O fails with EIO and the maintenance thread re-assembles the volume from whichever
 * legs come back, waiting for every leg the newest header names as in sync.
 */
package dev.cairn.agent.replica;
