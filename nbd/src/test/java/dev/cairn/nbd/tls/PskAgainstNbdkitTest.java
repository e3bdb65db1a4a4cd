package dev.cairn.nbd.tls;

import static dev.cairn.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.nbd.OptionBytes;
import dev.cairn.testkit.Nbdkit;
import dev.cairn.testkit.TlsMaterial;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import org.bouncycastle.tls.ProtocolVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PSK client against GnuTLS (nbdkit --tls=require --tls-psk) in each TLS version it offers:
 * Cairn's NBD client always offers both and GnuTLS picks 1.3, so 1.2 is checked here on its own.
 */
class PskAgainstNbdkitTest {
    @TempDir
    Path dir;

    @Test
    void tls13AndTls12BothCarryTheNegotiation() throws Exception {
        Path keys = dir.resolve("keys.psk");
        TlsMaterial.writePskFile(keys, List.of("alice"));
        try (Nbdkit nbdkit = Nbdkit.start(List.of("--tls=require", "--tls-psk", keys.toString()), "memory", "1M")) {
            negotiateInEachVersion(
                    nbdkit.address(), PskKeys.load(keys).key("alice").orElseThrow());
        }
    }

    private static void negotiateInEachVersion(InetSocketAddress address, byte[] key) throws IOException {
        for (ProtocolVersion version : List.of(ProtocolVersion.TLSv13, ProtocolVersion.TLSv12)) {
            try (SocketChannel socket = SocketChannel.open(address)) {
                OptionBytes.greetAndStartTls(socket);
                TlsChannel tls = BcPskChannel.connect(socket, "alice", key, version.only());
                assertThat(tls.describe()).startsWith(version.getName());
                OptionBytes.send(tls, OPT_LIST, new byte[0]);
                int type;
                do {
                    type = OptionBytes.replyType(tls);
                } while (type == REP_SERVER);
                assertThat(type).isEqualTo(REP_ACK);
                OptionBytes.send(tls, OPT_ABORT, new byte[0]);
                assertThat(OptionBytes.replyType(tls)).isEqualTo(REP_ACK);
                tls.close();
            }
        }
    }
}
