/**
 * The controller daemon ({@code cairn controller}): one peer of the replicated state, the REST API
 * over it, and the loops that act on the state without being asked ({@link
 * dev.cairn.control.daemon.OfflineMonitor}, {@link dev.cairn.control.daemon.RepairMonitor}).
 *
 * <h2>Threads</h2>
 *
 * <ul>
 *   <li>{@code cairn-monitor}: one platform thread owns both loops and their little state (when
 *       this peer started leading, when it last ran a repair pass). The offline check runs every
 *       fifth of the offline-after period (0.2 to 5 s); the repair loop is ticked every 200 ms and
 *       runs a pass at once when this peer starts leading, then once a period. Both act only while
 *       this peer leads, and remember nothing else between passes: what they decide is proposed as
 *       commands, so a new leader carries on where the old one stopped.
 *   <li>The replication's threads and the REST API's virtual threads (see the {@code raft} and
 *       {@code rest} packages).
 * </ul>
 *
 * Start order is metrics, replicated state, REST API, monitor thread; the ready file (peer id, REST,
 * replication and metrics addresses, as JSON written to a temporary file and renamed) appears only
 * once the peer has replayed its log. {@link dev.cairn.control.daemon.Controller#close} stops them in
 * the reverse order.
 *
 * <h2>Failure modes</h2>
 *
 * <ul>
 *   <li>A pass the replicated state cannot answer (no leader, a lost majority, a peer still
 *       replaying) fails with an {@code IOException}; it is logged at debug and simply tried again
 *       at the next tick. Any other exception in a pass is a bug: logged as an error, and the
 *       thread carries on, so one bad pass never stops the monitors.
 *   <li>A newly elected leader waits a whole offline-after period before it marks any node
 *       offline: nodes that heartbeated to the old leader, or to nobody during the election, are
 *       not all judged at once.
 *   <li>A repair the state refuses (overtaken by another change, or no node with room) is logged as
 *       deferred; the next pass plans again from the state as it is then.
 *   <li>Tokens, the replication port or the REST port that cannot be had stop the start with an
 *       error that names them; what was started is closed again.
 * </ul>
 */
package dev.cairn.control.daemon;
