/**
 * An NBD server (fixed newstyle handshake, structured replies, base:allocation) that serves
 * whatever an {@link dev.cairn.nbd.server.ExportCatalog} offers and knows nothing of storage.
 *
 * <h2>Threads</h2>
 *
 * <ul>
 *   <li>One acceptor thread, and one timer thread (handshake deadlines, the stall sweep).
 *   <li>Per connection, a virtual thread for the handshake, then a reader (a platform thread: the
 *       kernel wakes it directly, where a virtual thread needs the poller and a carrier, which
 *       halved queue-depth-1 IOPS; see {@link dev.cairn.nbd.server.Connection}) for request
 *       decoding, checking and dispatch; it also runs what the export can do without waiting
 *       (page-cache reads and writes) and writes those replies in batches before it blocks for
 *       more input.
 *   <li>Per connection, a writer (virtual thread) that sends replies completed by workers, many per
 *       gathering write. Workers never touch the socket, so a client that stops reading stalls
 *       only its own connection.
 *   <li>Request execution on the export's executor (for a storage node, a pool of platform threads
 *       sized for its drives; for the agent, virtual threads).
 * </ul>
 *
 * <h2>Memory: what a client can pin is its own</h2>
 *
 * Nothing is reserved for bytes a client has not sent, and memory that a client can hold by
 * stalling is never memory another connection waits for:
 *
 * <ul>
 *   <li>A handshaking connection holds a 4 KiB input buffer, plus the option being read, which
 *       grows as its bytes arrive (options over 64 KiB are refused).
 *   <li>A connection in transmission holds a 256 KiB input buffer and a 64 KiB reply scratch (and
 *       its reader's thread stack, of which it touches a few pages). A
 *       WRITE's payload is taken through the input buffer in pieces of up to 256 KiB, each applied
 *       once it has all arrived ({@link dev.cairn.nbd.server.PiecedWrite}); its reply goes when
 *       every piece is done (NBD promises no atomicity). A piece the export cannot take at once is
 *       copied into a buffer of the server's shared budget ({@code bufferBudgetBytes}, 512 MiB by
 *       default) for a worker: that is data in hand, given back in device time.
 *   <li>READ data comes out of the connection's own reply credit (2 MiB): the reader waits for
 *       credit before it takes the next request, and a READ over 1 MiB is sent in 1 MiB pieces
 *       through one buffer, the next read only once the previous piece is out ({@link
 *       dev.cairn.nbd.server.LargeRead}). Page-cache data sent from a view of the export holds
 *       nothing.
 *   <li>At most 128 requests in flight per connection.
 *   <li>With TLS ({@link dev.cairn.nbd.server.ServerConfig#tls}), from NBD_OPT_STARTTLS on, the
 *       TLS channel's own buffers and state: about 100 KiB (x509) or 200 KiB (PSK), outside {@link
 *       dev.cairn.nbd.server.NbdServer#bufferBytesInUse}; see {@link dev.cairn.nbd.tls}. The TLS
 *       handshake runs under the NBD handshake's deadline.
 * </ul>
 *
 * So the server's buffers never exceed {@code bufferBudgetBytes + maxConnections * (256 KiB +
 * 64 KiB + 2 MiB)}: 512 MiB + 1024 * 2.3 MiB = 2.8 GiB with the defaults, the last term only for
 * connections that read. A stalled client pins at most 4 KiB plus twice what it sent (handshake), 320 KiB (header or
 * payload) or 2.3 MiB (replies it does not read), and others wait on the shared budget only for
 * data already received, never on it. {@link dev.cairn.nbd.server.NbdServer#bufferBytesInUse}
 * reports the total.
 *
 * <h2>Failure modes and deadlines</h2>
 *
 * Every header is checked before any I/O or allocation; a bad request gets the protocol's error
 * and the connection stays in sync, a request that cannot be resynchronized (bad magic, a payload
 * over the maximum) ends the connection. A handshake has a deadline (30 s); at the connection limit
 * (1024) a new client takes the place of the connection that has been handshaking longest, and is
 * refused only when every connection is in transmission. A request header begun, a payload not
 * all received, or a reply the client takes no byte of within the stall timeout (2 min, {@link
 * dev.cairn.nbd.server.StallWatch}) ends the connection; an idle connection is not stalled. A
 * failure after part of a large READ was sent under a simple reply can only be told by hanging up.
 *
 * <h2>Listening</h2>
 *
 * On TCP, or on a Unix domain socket file ({@link dev.cairn.nbd.server.Listen}): the file is
 * owner-only (0600) or owner-and-group (0660), bound in a private staging directory and moved into
 * place only once it has that mode, so it is never reachable with looser permissions; a stale
 * socket at the path is replaced, a live one refused, and the file removed on close ({@link
 * dev.cairn.nbd.server.UnixSocketFile}). Unix clients are logged by their user (SO_PEERCRED).
 *
 * <h2>Metrics</h2>
 *
 * Every request answered is reported to its session's {@link
 * dev.cairn.nbd.server.RequestObserver} (command, bytes, latency, error) by the thread that
 * produced the reply, before the reply is written; {@link dev.cairn.nbd.server.RequestMeters}
 * counts them with Micrometer meters resolved once per export, so a request allocates nothing for
 * them. {@link dev.cairn.nbd.server.ServerStats} keeps the server-wide counts (connections open,
 * refused, evicted, cut for stalling).
 */
package dev.cairn.nbd.server;
