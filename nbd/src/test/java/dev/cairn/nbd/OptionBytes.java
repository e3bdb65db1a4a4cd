package dev.cairn.nbd;

import static dev.cairn.nbd.NbdProtocol.IHAVEOPT;
import static dev.cairn.nbd.NbdProtocol.OPTION_REPLY_MAGIC;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;

/**
 * The NBD handshake's options and replies as raw bytes over any channel (a socket, or TLS over
 * it), for tests that step through a negotiation by hand.
 */
public final class OptionBytes {
    private OptionBytes() {}

    /**
     * Reads a server's greeting, answers fixed newstyle without zeroes and asks for STARTTLS; fails
     * unless the server acknowledges it, so that the caller's TLS handshake comes next.
     */
    public static void greetAndStartTls(ByteChannel channel) throws IOException {
        readFully(channel, 18);
        ByteBuffer flags = ByteBuffer.allocate(4)
                .putInt(NbdProtocol.FLAG_FIXED_NEWSTYLE | NbdProtocol.FLAG_NO_ZEROES)
                .flip();
        while (flags.hasRemaining()) {
            channel.write(flags);
        }
        send(channel, NbdProtocol.OPT_STARTTLS, new byte[0]);
        int type = replyType(channel);
        if (type != NbdProtocol.REP_ACK) {
            throw new IOException("STARTTLS answered with reply type " + type + ", not ACK");
        }
    }

    public static void send(ByteChannel channel, int option, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16 + data.length)
                .putLong(IHAVEOPT)
                .putInt(option)
                .putInt(data.length)
                .put(data)
                .flip();
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /** Reads one option reply and returns its type (its data is skipped). */
    public static int replyType(ByteChannel channel) throws IOException {
        ByteBuffer header = readFully(channel, 20);
        if (header.getLong() != OPTION_REPLY_MAGIC) {
            throw new IOException("not an option reply");
        }
        header.getInt();
        int type = header.getInt();
        readFully(channel, header.getInt());
        return type;
    }

    public static ByteBuffer readFully(ByteChannel channel, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new EOFException("closed with " + b.remaining() + " bytes to come");
            }
        }
        return b.flip();
    }
}
