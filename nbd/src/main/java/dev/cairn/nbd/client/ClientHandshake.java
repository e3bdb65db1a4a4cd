package dev.cairn.nbd.client;

import static dev.cairn.nbd.NbdProtocol.*;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The client side of the fixed newstyle handshake, on a blocking channel: the socket, then the TLS
 * channel over it once {@link #startTls} is acknowledged and the connection upgraded.
 */
final class ClientHandshake {
    private static final int MAX_REPLY_BYTES = 64 * 1024;

    private ByteChannel channel;

    ClientHandshake(ByteChannel channel) {
        this.channel = channel;
    }

    /**
     * Asks for TLS (NBD_OPT_STARTTLS, the first option, so that nothing else goes in clear); throws
     * unless the server acknowledges it. The caller then runs the TLS handshake and {@link
     * #upgrade}s.
     */
    void startTls() throws IOException {
        sendOption(OPT_STARTTLS, ByteBuffer.allocate(0));
        OptionReply r = readReply(OPT_STARTTLS);
        if (r.type() != REP_ACK) {
            throw new HandshakeException(r.type(), "the server does not offer TLS: " + r.text());
        }
    }

    /** Goes on through {@code secure} (the TLS channel over the same socket). */
    void upgrade(ByteChannel secure) {
        channel = secure;
    }

    /**
     * The exception for an option refused with {@code reply}: {@code message}, and when TLS was the
     * reason, that the server requires it.
     */
    private static HandshakeException refused(OptionReply reply, String message) {
        if (reply.type() == REP_ERR_TLS_REQD) {
            return new HandshakeException(
                    reply.type(), message + " (the server requires TLS: configure TLS for this client)");
        }
        return new HandshakeException(reply.type(), message);
    }

    /** Reads the greeting and answers with the client flags. */
    void greet() throws IOException {
        ByteBuffer greeting = readExactly(18);
        if (greeting.getLong() != NBD_MAGIC || greeting.getLong() != IHAVEOPT) {
            throw new HandshakeException(0, "not an NBD newstyle server");
        }
        int flags = Short.toUnsignedInt(greeting.getShort());
        if ((flags & FLAG_FIXED_NEWSTYLE) == 0) {
            throw new HandshakeException(0, "server does not speak fixed newstyle");
        }
        write(ByteBuffer.allocate(4).putInt(FLAG_FIXED_NEWSTYLE | (flags & FLAG_NO_ZEROES)));
    }

    void sendOption(int option, ByteBuffer data) throws IOException {
        write(ByteBuffer.allocate(16 + data.remaining())
                .putLong(IHAVEOPT)
                .putInt(option)
                .putInt(data.remaining())
                .put(data));
    }

    /** One option reply. */
    record OptionReply(int option, int type, ByteBuffer data) {
        boolean isError() {
            return type < 0;
        }

        String text() {
            return StandardCharsets.UTF_8.decode(data.duplicate()).toString();
        }
    }

    OptionReply readReply(int expectedOption) throws IOException {
        ByteBuffer head = readExactly(20);
        if (head.getLong() != OPTION_REPLY_MAGIC) {
            throw new HandshakeException(0, "bad option reply magic");
        }
        int option = head.getInt();
        int type = head.getInt();
        long length = Integer.toUnsignedLong(head.getInt());
        if (option != expectedOption || length > MAX_REPLY_BYTES) {
            throw new HandshakeException(0, "unexpected option reply (option " + option + ", " + length + " bytes)");
        }
        return new OptionReply(option, type, readExactly((int) length));
    }

    /** Sends a data-less option and expects a plain ACK; throws with the server's message otherwise. */
    void simpleOption(int option) throws IOException {
        sendOption(option, ByteBuffer.allocate(0));
        OptionReply r = readReply(option);
        if (r.type() != REP_ACK) {
            throw refused(r, "option " + option + " refused: " + r.text());
        }
    }

    /** SET_META_CONTEXT for base:allocation; returns its context id, or 0 if not offered. */
    int selectBaseAllocation(String export) throws IOException {
        byte[] name = export.getBytes(StandardCharsets.UTF_8);
        byte[] query = BASE_ALLOCATION.getBytes(StandardCharsets.US_ASCII);
        sendOption(
                OPT_SET_META_CONTEXT,
                ByteBuffer.allocate(12 + name.length + query.length)
                        .putInt(name.length)
                        .put(name)
                        .putInt(1)
                        .putInt(query.length)
                        .put(query)
                        .flip());
        int id = 0;
        while (true) {
            OptionReply r = readReply(OPT_SET_META_CONTEXT);
            if (r.type() == REP_META_CONTEXT) {
                id = r.data().getInt();
            } else if (r.type() == REP_ACK) {
                return id;
            } else {
                throw refused(r, "metadata context refused: " + r.text());
            }
        }
    }

    /** NBD_OPT_INFO or NBD_OPT_GO for an export, requesting block sizes. */
    ExportInfo infoOrGo(int option, String export) throws IOException {
        byte[] name = export.getBytes(StandardCharsets.UTF_8);
        sendOption(
                option,
                ByteBuffer.allocate(8 + name.length)
                        .putInt(name.length)
                        .put(name)
                        .putShort((short) 1)
                        .putShort((short) INFO_BLOCK_SIZE)
                        .flip());
        long size = -1;
        int flags = 0;
        int[] blocks = {1, 4096, 32 << 20};
        while (true) {
            OptionReply r = readReply(option);
            if (r.type() == REP_ACK) {
                if (size < 0) {
                    throw new HandshakeException(0, "server accepted the export without describing it");
                }
                return new ExportInfo(size, flags, blocks[0], blocks[1], blocks[2]);
            }
            if (r.isError()) {
                throw refused(r, r.text());
            }
            ByteBuffer d = r.data();
            int info = Short.toUnsignedInt(d.getShort());
            if (info == INFO_EXPORT) {
                size = d.getLong();
                flags = Short.toUnsignedInt(d.getShort());
            } else if (info == INFO_BLOCK_SIZE) {
                blocks = new int[] {d.getInt(), d.getInt(), d.getInt()};
            }
        }
    }

    /** NBD_OPT_LIST: the export names. */
    List<String> list() throws IOException {
        sendOption(OPT_LIST, ByteBuffer.allocate(0));
        List<String> names = new ArrayList<>();
        while (true) {
            OptionReply r = readReply(OPT_LIST);
            if (r.type() == REP_ACK) {
                return names;
            }
            if (r.type() != REP_SERVER) {
                throw refused(r, "list refused: " + r.text());
            }
            byte[] name = new byte[r.data().getInt()];
            r.data().get(name);
            names.add(new String(name, StandardCharsets.UTF_8));
        }
    }

    ByteBuffer readExactly(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new EOFException("server closed the connection during the handshake");
            }
        }
        return b.flip();
    }

    private void write(ByteBuffer b) throws IOException {
        b.flip();
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }
}
