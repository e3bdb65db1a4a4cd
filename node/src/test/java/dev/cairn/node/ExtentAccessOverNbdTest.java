package dev.cairn.node;

import static dev.cairn.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.NbdException;
import dev.cairn.nbd.client.HandshakeException;
import dev.cairn.nbd.client.NbdClient;
import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Extents as NBD exports: credentials, generation fencing, deletion under a connected client. */
class ExtentAccessOverNbdTest extends NodeFixture {

    private static ByteBuffer bytes(int n, int value) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) value);
        return ByteBuffer.wrap(b);
    }

    @Test
    void anOpenExtentIsServedByItsId() throws Exception {
        startNode(1);
        UUID id = createExtent(1 << 20, 0, "");
        assertThat(NbdClient.list(nbd())).containsExactly(id.toString());
        try (NbdClient c = NbdClient.connect(nbd(), id.toString())) {
            assertThat(c.sizeBytes()).isEqualTo(1 << 20);
            c.write(4096, bytes(4096, 7), true).join();
            assertThat(c.read(4096, 4096).join()).isEqualTo(bytes(4096, 7));
            assertThat(c.blockStatus(0, 1 << 20, false).join())
                    .startsWith(new BlockStatus(4096, STATE_HOLE | STATE_ZERO), new BlockStatus(4096, 0));
        }
        // data in the page cache is sent straight from the drive's mapping, with either reply kind
        try (NbdClient simple = NbdClient.connect(nbd(), id.toString(), NbdClient.Options.SIMPLE)) {
            assertThat(simple.read(4096, 4096).join()).isEqualTo(bytes(4096, 7));
            assertThat(simple.read(4000, 200).join())
                    .isEqualTo(ByteBuffer.allocate(200)
                            .position(96)
                            .put(bytes(104, 7))
                            .clear());
        }
    }

    @Test
    void aProtectedExtentOpensOnlyWithItsKeyAndCurrentGeneration() throws Exception {
        startNode(1);
        UUID id = createExtent(1 << 20, 3, "s3cret");
        assertRefused(id.toString(), "requires ;gen=GENERATION;key=SECRET");
        assertRefused(id + ";gen=3;key=guess", "wrong key");
        assertRefused(id + ";gen=2;key=s3cret", "generation 2 does not match");
        assertRefused(id + ";gen=4;key=s3cret", "is at generation 3: this node has not yet applied generation 4");
        assertRefused(id + ";gen=3;key=s3cret;user=x", "unknown or repeated");
        assertThatThrownBy(() -> NbdClient.connect(nbd(), UUID.randomUUID().toString()))
                .isInstanceOf(HandshakeException.class)
                .hasMessageContaining("no extent");
        try (NbdClient c = NbdClient.connect(nbd(), ExportName.of(id, 3, "s3cret"))) {
            c.write(0, bytes(512, 1), false).join();
        }
    }

    private void assertRefused(String name, String why) {
        assertThatThrownBy(() -> NbdClient.connect(nbd(), name))
                .isInstanceOf(HandshakeException.class)
                .hasMessageContaining(why)
                .extracting(e -> ((HandshakeException) e).replyType())
                .isEqualTo(REP_ERR_POLICY);
    }

    @Test
    void aNewerGenerationFencesTheOldConnection() throws Exception {
        startNode(1);
        UUID id = createExtent(1 << 20, 3, "k");
        try (NbdClient old = NbdClient.connect(nbd(), ExportName.of(id, 3, "k"))) {
            old.write(0, bytes(512, 1), false).join();
            assertThat(call("PUT", "/v1/extents/" + id + "/access", "{\"generation\":4,\"secret\":\"k\"}")
                            .status())
                    .isEqualTo(200);
            assertThatThrownBy(() -> old.write(0, bytes(512, 2), false).join())
                    .isInstanceOf(CompletionException.class)
                    .cause()
                    .isInstanceOf(NbdException.class)
                    .hasMessageContaining("fenced: this client holds generation 3")
                    .extracting(e -> ((NbdException) e).errno())
                    .isEqualTo(EPERM);
            assertThatThrownBy(() -> old.read(0, 512).join()).hasMessageContaining("fenced");
            try (NbdClient current = NbdClient.connect(nbd(), ExportName.of(id, 4, "k"))) {
                assertThat(current.read(0, 512).join()).isEqualTo(bytes(512, 1));
            }
        }
        assertThat(call("PUT", "/v1/extents/" + id + "/access", "{\"generation\":3,\"secret\":\"k\"}")
                        .body()
                        .get("error")
                        .asText())
                .contains("older than its current 4");
    }

    @Test
    void changingTheSecretDisconnectsItsClients() throws Exception {
        startNode(1);
        UUID id = createExtent(1 << 20, 1, "one");
        NbdClient c = NbdClient.connect(nbd(), ExportName.of(id, 1, "one"));
        call("PUT", "/v1/extents/" + id + "/access", "{\"generation\":1,\"secret\":\"two\"}");
        await().untilAsserted(() ->
                assertThatThrownBy(() -> c.read(0, 512).join()).hasCauseInstanceOf(java.io.IOException.class));
        c.close();
    }

    @Test
    void deletingAnExtentCutsItsClientsAndErasesIt() throws Exception {
        startNode(1);
        UUID id = createExtent(4 << 20, 0, "");
        NbdClient c = NbdClient.connect(nbd(), id.toString());
        c.write(0, bytes(4 << 20, 0x77), false).join();
        assertThat(call("DELETE", "/v1/extents/" + id, null).status()).isEqualTo(204);
        await().untilAsserted(() ->
                assertThatThrownBy(() -> c.read(0, 512).join()).hasCauseInstanceOf(java.io.IOException.class));
        c.close();
        UUID next = createExtent(4 << 20, 0, "");
        try (NbdClient fresh = NbdClient.connect(nbd(), next.toString())) {
            assertThat(fresh.read(0, 4 << 20).join()).isEqualTo(ByteBuffer.allocate(4 << 20));
        }
    }
}
