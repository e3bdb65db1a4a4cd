/**
 * The controller's replicated state machine: the commands ({@link dev.cairn.control.state.Command}),
 * how they change the {@link dev.cairn.control.model.ClusterState} ({@link
 * dev.cairn.control.state.ClusterStateMachine} and the {@code *Commands} classes), their outcomes,
 * and the bytes the log and the snapshots hold ({@link dev.cairn.control.state.StateCodec}).
 *
 * <h2>Threads</h2>
 *
 * One writer: the log applier of the replication (Ratis' state machine updater thread, or the
 * caller of {@code LocalReplicatedState.submit} in tests) calls {@code apply} in log order under
 * the state's write lock. Many readers: REST handlers and the monitors read under the read lock
 * and get values computed there, never the live maps. Long polls ({@code awaitDesired}, {@code
 * awaitAgentDesired}) and {@code awaitApplied} wait on one monitor that every apply notifies.
 *
 * <h2>Formats</h2>
 *
 * <ul>
 *   <li>A log entry is one command as JSON, its record's fields plus a {@code "type"} naming it
 *       in kebab case ({@code "create-volume"}). Time, ids and secrets are fields of the command, chosen by the
 *       peer that proposed it, so every replica applies the same bytes the same way.
 *   <li>The reply to a command is its {@link dev.cairn.control.state.Outcome} as JSON.
 *   <li>A snapshot is the whole state as one JSON object ({@code StateCodec.Snapshot}): {@code
 *       format} (1), {@code appliedIndex}, and the nodes, classes, volumes, orphans and agents as
 *       lists; map entries are written sorted, so one state always gives the same bytes. A snapshot
 *       of another format is refused, not guessed at; fields added since format 1 are optional.
 * </ul>
 *
 * <h2>Failure modes</h2>
 *
 * <ul>
 *   <li>A refused command (a name taken, a volume that cannot be placed, ...) changes nothing but
 *       the applied index, on every replica alike: the change is journaled and rolled back. The
 *       outcome says why, and the REST API turns its status into an HTTP error.
 *   <li>A command that throws while applied (a bug) is rolled back the same way and answered {@code
 *       FAILED}: no log entry can stop the controller, on this run or when the log is replayed.
 *   <li>An entry that does not decode as a command (written by a newer controller) is refused as
 *       {@code INVALID} by the replication layer, alike on every peer.
 * </ul>
 */
package dev.cairn.control.state;
