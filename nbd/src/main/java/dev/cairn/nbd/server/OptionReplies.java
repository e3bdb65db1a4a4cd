package dev.cairn.nbd.server;

import static dev.cairn.nbd.NbdProtocol.OPTION_REPLY_MAGIC;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;

/** Writes handshake-phase messages: option replies and the EXPORT_NAME answer. */
final class OptionReplies {
    private final WritableByteChannel channel;

    OptionReplies(WritableByteChannel channel) {
        this.channel = channel;
    }

    void raw(ByteBuffer b) throws IOException {
        b.flip();
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    void reply(int option, int type, ByteBuffer payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(20 + payload.remaining());
        b.putLong(OPTION_REPLY_MAGIC)
                .putInt(option)
                .putInt(type)
                .putInt(payload.remaining())
                .put(payload);
        raw(b);
    }

    void ack(int option) throws IOException {
        reply(option, dev.cairn.nbd.NbdProtocol.REP_ACK, ByteBuffer.allocate(0));
    }

    /** An error reply with a message for the human at the client. */
    void error(int option, int type, String message) throws IOException {
        reply(option, type, ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)));
    }
}
