package dev.cairn.nbd.server;

import static dev.cairn.nbd.NbdProtocol.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** A socket that speaks raw bytes, to send the server things no polite client would. */
final class RawClient implements AutoCloseable {
    final Socket socket;
    final InputStream in;

    RawClient(InetSocketAddress address) throws IOException {
        socket = new Socket(address.getAddress(), address.getPort());
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
    }

    void send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    void send(ByteBuffer b) throws IOException {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        send(bytes);
    }

    ByteBuffer read(int n) throws IOException {
        return ByteBuffer.wrap(in.readNBytes(n));
    }

    /** Reads the greeting (18 bytes) and answers with fixed newstyle + no zeroes. */
    void greet() throws IOException {
        ByteBuffer g = read(18);
        if (g.remaining() != 18 || g.getLong() != NBD_MAGIC) {
            throw new IOException("no NBD greeting");
        }
        send(ByteBuffer.allocate(4).putInt(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES).flip());
    }

    static ByteBuffer option(int option, byte[] data) {
        return ByteBuffer.allocate(16 + data.length)
                .putLong(IHAVEOPT)
                .putInt(option)
                .putInt(data.length)
                .put(data)
                .flip();
    }

    static byte[] goData(String export) {
        byte[] name = export.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(6 + name.length)
                .putInt(name.length)
                .put(name)
                .putShort((short) 0)
                .array();
    }

    /** One option reply: option, type, payload. */
    record OptionReply(int option, int type, ByteBuffer data) {
        String text() {
            return StandardCharsets.UTF_8.decode(data.duplicate()).toString();
        }
    }

    OptionReply readOptionReply() throws IOException {
        ByteBuffer h = read(20);
        if (h.remaining() != 20 || h.getLong() != OPTION_REPLY_MAGIC) {
            throw new IOException("not an option reply");
        }
        int option = h.getInt();
        int type = h.getInt();
        return new OptionReply(option, type, ByteBuffer.wrap(in.readNBytes(h.getInt())));
    }

    /** Answers GO for {@code export} up to and including the final ACK. */
    void go(String export) throws IOException {
        send(option(OPT_GO, goData(export)));
        OptionReply r;
        do {
            r = readOptionReply();
        } while (r.type() == REP_INFO);
        if (r.type() != REP_ACK) {
            throw new IOException("GO refused: " + r.text());
        }
    }

    static ByteBuffer request(int flags, int type, long handle, long offset, long length) {
        return ByteBuffer.allocate(28)
                .putInt(REQUEST_MAGIC)
                .putShort((short) flags)
                .putShort((short) type)
                .putLong(handle)
                .putLong(offset)
                .putInt((int) length)
                .flip();
    }

    /** Everything the server sends until it closes (or the timeout passes: then null). */
    byte[] readUntilClosed() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] chunk = new byte[65536];
        try {
            int n;
            while ((n = in.read(chunk)) >= 0) {
                all.write(chunk, 0, n);
            }
        } catch (SocketTimeoutException e) {
            return null;
        } catch (IOException e) {
            // a reset counts as closed
        }
        return all.toByteArray();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
