/**
 * The cluster state replicated with Apache Ratis: {@link dev.cairn.control.raft.RatisReplicatedState}
 * (one peer by default, three or five for high availability, same code) and the state machine Ratis
 * drives ({@code CairnStateMachine}).
 *
 * <h2>Threads</h2>
 *
 * Ratis owns them: its gRPC threads take commands and replicate the log, and one applier thread per
 * peer (its state machine updater) applies committed entries in log order and takes snapshots, so a
 * snapshot always matches its applied index. Callers block in {@code submit} until the leader
 * commits the command and this peer has applied it too (read your own write from any peer), and in
 * {@code read} behind a ReadIndex barrier (linearizable reads on the local copy; a group of one
 * peer that leads and has replayed its log needs none, as it applied every write it acknowledged
 * before acknowledging it). A read-only request that carries a {@code Liveness.Heard} is a
 * follower passing on a heartbeat that changed nothing: the leader's state machine notes it in
 * memory when it answers the query, and nothing is logged. Ratis lets a follower serve a
 * read-only request itself, so the query answers "noted" only on the peer that leads; a follower
 * that gets any other answer, or none within two seconds (one try, its own client), logs the
 * heartbeat as a command.
 *
 * <h2>Formats</h2>
 *
 * Under {@code DATA/raft/GROUP_UUID/}: Ratis' segmented log ({@code current/}), whose
 * state-machine entries each hold one command as JSON ({@code StateCodec}); its own entries (a new
 * term's first entry, configuration, the commit index it records after commits) hold none and are
 * not applied, so Ratis' applied index runs ahead of the state's. Snapshots are {@code
 * sm/snapshot.TERM_INDEX}: the whole state as JSON (format 1, see the {@code state} package), an MD5
 * file beside it, written to a temporary file, synced and renamed, so a crash never leaves a half
 * snapshot that looks whole. Every {@code snapshotEvery} entries Ratis snapshots, keeps two, and
 * drops the log up to the newest.
 *
 * <h2>Failure modes</h2>
 *
 * <ul>
 *   <li>A peer dies: while a majority lives, a new leader is elected within about two election
 *       timeouts and commands sent through any live peer carry on (the client retries across the
 *       group until the request timeout). Without a majority, commands and reads fail with an
 *       {@code IOException} after the request timeout rather than guess; the REST API answers 503.
 *   <li>A peer restarts: it loads its newest snapshot (its MD5 checked; a listed snapshot that is
 *       missing is an error), replays its log, and reports itself {@code loaded} only once it has
 *       applied every entry it knew committed at start; the REST API answers 503 until then. A
 *       peer too far behind gets the leader's snapshot installed and starts over from it.
 *   <li>The disk is full or fails: Ratis cannot append or sync this peer's log, so nothing is
 *       acknowledged through it; its log worker closes the peer's part in the group on the write
 *       error, commands and reads through it fail with an {@code IOException} (503), and the other
 *       peers, if a majority, carry on. The peer is restarted once the disk is fixed and recovers as
 *       above. A snapshot that cannot be written is reported by Ratis and tried again at the next
 *       trigger; the log is only dropped up to a snapshot that was written.
 *   <li>An entry that does not decode as a command (from a newer controller) is refused as {@code
 *       INVALID} alike on every peer; a command the state machine refuses is answered with its
 *       outcome, and takes a log index all the same.
 * </ul>
 */
package dev.cairn.control.raft;
