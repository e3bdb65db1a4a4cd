/**
 * An NBD server (fixed newstyle handshake, structured replies, base:allocation) that serves
 * whatever an {@link dev.cairn.nbd.server.ExportCatalog} offers and knows nothing of storage.
 *
 * <h2>Threads</h2>
 *
 * <ul>
 *   <li>One acceptor thread.
 *   <li>Per connection, a reader (virtual thread): handshake, then request decoding, checking and
 *       dispatch; it also runs what the export can do without waiting (page-cache reads and small
 *       writes) and writes those replies in batches before it blocks for more input.
 *   <li>Per connection, a writer (virtual thread) that sends replies completed by workers, many per
 *       gathering write. Workers never touch the socket, so a client that stops reading stalls
 *       only its own connection.
 *   <li>Request execution on the export's executor (for a storage node, a pool of platform threads
 *       sized for its drives).
 * </ul>
 *
 * <h2>Failure modes and bounds</h2>
 *
 * Every header is checked before any I/O or allocation; a bad request gets the protocol's error
 * and the connection stays in sync, a request that cannot be resynchronized (bad magic, a payload
 * over the maximum) ends the connection. Payload memory comes from a pool with one budget for the
 * whole server; a connection may have a bounded number of requests in flight; a handshake has a
 * deadline.
 *
 * <h2>Metrics</h2>
 *
 * Every request answered is reported to its session's {@link
 * dev.cairn.nbd.server.RequestObserver} (command, bytes, latency, error) by the thread that
 * produced the reply, before the reply is written; {@link dev.cairn.nbd.server.RequestMeters}
 * counts them with Micrometer meters resolved once per export, so a request allocates nothing for
 * them. {@link dev.cairn.nbd.server.ServerStats} keeps the server-wide counts (connections open).
 */
package dev.cairn.nbd.server;
