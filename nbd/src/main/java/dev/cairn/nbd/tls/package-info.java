/**
 * TLS for NBD (NBD_OPT_STARTTLS): what a server or a client is configured with ({@link
 * dev.cairn.nbd.tls.ServerTls}, {@link dev.cairn.nbd.tls.ClientTls}, loaded from PEM and keys files
 * with errors that name the file and the problem), and the channel a connection reads and writes
 * once it is upgraded ({@link dev.cairn.nbd.tls.TlsChannel}).
 *
 * <h2>Two implementations, one channel</h2>
 *
 * <ul>
 *   <li>x509 through the JDK's {@code SSLEngine} (TLS 1.3 and 1.2): {@code SslEngineChannel}.
 *   <li>Pre-shared keys through BouncyCastle's non-blocking {@code TlsProtocol} (the JDK's TLS has
 *       no external PSK): {@code BcPskChannel}, TLS 1.3 with an external PSK (SHA-256, as GnuTLS
 *       uses) and (EC)DHE, or TLS 1.2 (EC)DHE-PSK. Keys files are in the {@code identity:hexkey}
 *       format of psktool, nbdkit, qemu and libnbd.
 * </ul>
 *
 * <h2>Threads</h2>
 *
 * Both run over a blocking {@code SocketChannel}: the handshake on the thread that upgrades the
 * connection, then one reader and one writer at a time (an NBD connection's reader thread and its
 * reply writer). Each side has its own lock; records leave the socket only under the write lock,
 * so an answer the reader must send (a TLS 1.3 key update) is ordered with the writer's records.
 * A write encrypts a few records (at most about 64 KiB of plaintext), sends them all, and returns
 * what it consumed: a caller that gathers many buffers sees progress, as on a plain socket, and a
 * stall watch that looks at such progress works unchanged.
 *
 * <h2>Memory</h2>
 *
 * Per connection, allocated at STARTTLS: x509 about 17 KiB of ciphertext in, 17 KiB of plaintext
 * in, 17 KiB of ciphertext out (68 KiB from the first large write on), plus the engine's state;
 * PSK 64 KiB in, 64 KiB of plaintext scratch and 65 KiB out. Large payloads are decrypted straight
 * into their destination (x509) or out of BouncyCastle's queue (PSK), never held whole.
 *
 * <h2>Failure modes</h2>
 *
 * A handshake that fails (a certificate not trusted, an unknown PSK identity, a wrong key, bytes
 * that are not TLS) throws, after sending the alert that says why; a handshake that stalls is cut
 * by whoever owns the deadline (the NBD server's handshake timer, the client's connect timeout) by
 * closing the socket. The end of the socket without close_notify reads as the end of the stream:
 * NBD's own framing tells whether a message was cut short. Secrets are never logged: the classes
 * holding keys print identities only.
 */
package dev.cairn.nbd.tls;
