package dev.cairn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.dkv.DkvException;
import dev.cairn.dkv.KvVolume;
import dev.cairn.dkv.KvVolumeContract;
import dev.cairn.dkv.NbdKvVolume;
import dev.cairn.dkv.SlotCodec;
import dev.cairn.testkit.AdminHttp;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The KV volume contract over NBD ({@link NbdKvVolume}) against a real storage node in this JVM:
 * each test gets a KV volume of its own (an extent of kind KV made through the admin API), its
 * epoch being the extent's generation; moving the epoch is the admin API's access change, as the
 * controller will make it. Then what only the node does: trims and partial slots refused.
 */
class NbdKvVolumeTest extends KvVolumeContract {
    private static final String SECRET = "kv-secret";

    @TempDir
    static Path dir;

    private static StorageNode node;
    private static AdminHttp admin;
    private final List<NbdKvVolume> opened = new ArrayList<>();
    private UUID lastId;

    @BeforeAll
    static void startNode() throws Exception {
        NodeFixture.Running running = NodeFixture.startOneDrive(dir);
        node = running.node();
        admin = running.admin();
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @AfterEach
    void closeHandles() {
        opened.forEach(NbdKvVolume::close);
    }

    @Override
    protected Fixture newVolume(long slots) {
        UUID id = NodeFixture.createExtent(admin, slots * SlotCodec.SLOT_BYTES, 1, SECRET, "kv");
        lastId = id;
        long[] epoch = {1};
        return new Fixture() {
            @Override
            public KvVolume handle() throws DkvException {
                return open(id, epoch[0]);
            }

            @Override
            public void nextEpoch() {
                epoch[0]++;
                AdminHttp.Response moved = admin.call(
                        "PUT",
                        "/v1/extents/" + id + "/access",
                        "{\"generation\":" + epoch[0] + ",\"secret\":\"" + SECRET + "\"}");
                assertThat(moved.status()).isEqualTo(200);
            }
        };
    }

    private NbdKvVolume open(UUID id, long epoch) throws DkvException {
        NbdKvVolume v = NbdKvVolume.connect(
                new InetSocketAddress(
                        InetAddress.getLoopbackAddress(), node.nbdAddress().getPort()),
                ExportName.of(id, epoch, SECRET),
                Duration.ofSeconds(5),
                "KV volume " + id);
        opened.add(v);
        return v;
    }

    @Test
    void opensUnderAnOlderEpochAreStaleAndUnderANewerOneUnavailable() throws Exception {
        Fixture f = newVolume(4);
        f.handle();
        f.nextEpoch();
        UUID id = lastId;
        assertThatThrownBy(() -> open(id, 1))
                .isInstanceOf(DkvException.StaleEpoch.class)
                .hasMessageContaining("epoch 1 is older than KV volume " + id + "'s epoch 2");
        assertThatThrownBy(() -> open(id, 3))
                .isInstanceOf(DkvException.MirrorUnavailable.class)
                .hasMessageContaining("is not at epoch 3 yet (it is at 2)");
    }

    @Test
    void theNodeTakesWholeSlotsOnly() throws Exception {
        KvVolume v = newVolume(4).handle();
        NbdKvVolume nbd = (NbdKvVolume) v;
        assertThat(nbd.slots()).isEqualTo(4);
        assertThatThrownBy(() -> v.write(0, ByteBuffer.allocate(SlotCodec.SLOT_BYTES), true)
                        .join())
                .hasCauseInstanceOf(DkvException.Refused.class)
                .hasMessageContaining("not a slot");
    }

    @Test
    void kindMustBeDataOrKv() {
        AdminHttp.Response bad = admin.call("POST", "/v1/extents", "{\"sizeBytes\":4096,\"kind\":\"blob\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body().get("error").asText()).contains("kind is \"data\"");
    }
}
