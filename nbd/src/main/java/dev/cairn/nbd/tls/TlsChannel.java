package dev.cairn.nbd.tls;

import java.io.IOException;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SocketChannel;

/**
 * A TLS session over a blocking socket, as the byte channel the NBD server and client read and
 * write once NBD_OPT_STARTTLS is acknowledged. One thread may read while another writes (a
 * connection's reader and its reply writer); reads, and writes, are each serialized. A read
 * returns what one or more records decrypt to, -1 at the end (the peer's close_notify, or the
 * socket's end: NBD's framing, not TLS, tells a cut-short message); a write encrypts and sends a
 * bounded amount (a few records) before it returns, so a caller that gathers many buffers sees
 * progress as it would on a socket.
 *
 * <p>{@link #close} sends close_notify if no write is under way, then closes the socket; to cut a
 * connection from another thread without ever blocking, close the socket itself.
 */
public interface TlsChannel extends ByteChannel, GatheringByteChannel {

    /** Runs the server side of the TLS handshake on {@code socket}; returns once it is done. */
    static TlsChannel accept(SocketChannel socket, ServerTls tls) throws IOException {
        return switch (tls) {
            case X509Server x -> SslEngineChannel.handshake(socket, x.newEngine());
            case PskServer p -> BcPskChannel.accept(socket, p.keys());
        };
    }

    /**
     * Runs the client side of the TLS handshake on {@code socket}, to a server reached as {@code
     * host} (a name or an address, which an x509 server's certificate must name).
     */
    static TlsChannel connect(SocketChannel socket, ClientTls tls, String host, int port) throws IOException {
        return switch (tls) {
            case X509Client x -> SslEngineChannel.handshake(socket, x.newEngine(host, port));
            case PskClient p -> BcPskChannel.connect(socket, p.identity(), p.key());
        };
    }

    /** The protocol version and cipher suite in use, for logs. */
    String describe();
}
