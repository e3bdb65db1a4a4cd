package dev.cairn.nbd.tls;

import static dev.cairn.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.testkit.FreePorts;
import dev.cairn.testkit.TlsMaterial;
import dev.cairn.testkit.Tool;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import org.bouncycastle.tls.ProtocolVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PSK client against GnuTLS (nbdkit --tls=require --tls-psk) in each TLS version it offers:
 * Cairn's NBD client always offers both and GnuTLS picks 1.3, so 1.2 is checked here on its own.
 */
class PskAgainstNbdkitTest {
    @TempDir
    Path dir;

    Process nbdkit;

    @AfterEach
    void stop() throws InterruptedException {
        if (nbdkit != null) {
            nbdkit.destroy();
            nbdkit.waitFor();
        }
    }

    @Test
    void tls13AndTls12BothCarryTheNegotiation() throws Exception {
        Tool.require("nbdkit", "nbdkit");
        Path keys = dir.resolve("keys.psk");
        TlsMaterial.writePskFile(keys, List.of("alice"));
        int port = FreePorts.next();
        nbdkit = new ProcessBuilder(
                        "nbdkit",
                        "--foreground",
                        "--exit-with-parent",
                        "-i",
                        "127.0.0.1",
                        "-p",
                        Integer.toString(port),
                        "--tls=require",
                        "--tls-psk",
                        keys.toString(),
                        "memory",
                        "1M")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(Path.of("/dev/null").toFile())
                .start();
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        await().ignoreExceptions().until(() -> {
            try (Socket s = new Socket(address.getAddress(), port)) {
                return s.isConnected();
            }
        });
        byte[] key = PskKeys.load(keys).key("alice").orElseThrow();
        for (ProtocolVersion version : List.of(ProtocolVersion.TLSv13, ProtocolVersion.TLSv12)) {
            try (SocketChannel socket = SocketChannel.open(address)) {
                readFully(socket, 18); // the greeting
                socket.write(ByteBuffer.allocate(4)
                        .putInt(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)
                        .flip());
                sendOption(socket, OPT_STARTTLS);
                assertThat(replyType(socket)).isEqualTo(REP_ACK);
                TlsChannel tls = BcPskChannel.connect(socket, "alice", key, version.only());
                assertThat(tls.describe()).startsWith(version.getName());
                sendOption(tls, OPT_LIST);
                int type;
                do {
                    type = replyType(tls);
                } while (type == REP_SERVER);
                assertThat(type).isEqualTo(REP_ACK);
                sendOption(tls, OPT_ABORT);
                assertThat(replyType(tls)).isEqualTo(REP_ACK);
                tls.close();
            }
        }
    }

    private static void sendOption(ByteChannel channel, int option) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16)
                .putLong(IHAVEOPT)
                .putInt(option)
                .putInt(0)
                .flip();
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    private static int replyType(ByteChannel channel) throws IOException {
        ByteBuffer header = readFully(channel, 20);
        assertThat(header.getLong()).isEqualTo(OPTION_REPLY_MAGIC);
        header.getInt();
        int type = header.getInt();
        readFully(channel, header.getInt());
        return type;
    }

    private static ByteBuffer readFully(ByteChannel channel, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new EOFException(b.remaining() + " bytes short");
            }
        }
        return b.flip();
    }
}
