package dev.cairn.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.control.api.Views;
import dev.cairn.nbd.client.NbdClient;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The controller wants an extent larger (its volume grew): the node grows it, and never shrinks one. */
class ReconcilerGrowthTest extends NodeFixture {
    private static final long MIB = 1 << 20;

    private static Views.DesiredView wants(Views.DesiredExtent... extents) {
        return new Views.DesiredView(1, 1, List.of(extents), List.of(), List.of(), 0, 0, List.of());
    }

    @Test
    void anExtentWantedLargerGrowsInPlaceAndANewClientSeesItsSize() throws Exception {
        startNode(1);
        UUID drive = node.extents().drives().getFirst().id();
        UUID id = UUID.randomUUID();
        UUID neighbour = UUID.randomUUID();
        Reconciler reconciler = new Reconciler(node);
        assertThat(reconciler
                        .apply(wants(
                                new Views.DesiredExtent(id, drive, 2 * MIB, 0, ""),
                                new Views.DesiredExtent(neighbour, drive, MIB, 0, "")))
                        .errors())
                .isEmpty();
        try (NbdClient c = NbdClient.connect(nbd(), id.toString())) {
            c.write(MIB, ByteBuffer.wrap(new byte[4096]).put(0, (byte) 9), true).join();
        }

        // The neighbour right after it: the growth takes a second piece on the same drive.
        Reconciler.Result grown = reconciler.apply(wants(
                new Views.DesiredExtent(id, drive, 5 * MIB, 0, ""),
                new Views.DesiredExtent(neighbour, drive, MIB, 0, "")));
        assertThat(grown.errors()).isEmpty();
        assertThat(grown.changed()).isTrue();
        assertThat(node.extents().find(id).orElseThrow().record().pieces()).hasSize(2);
        try (NbdClient c = NbdClient.connect(nbd(), id.toString())) {
            assertThat(c.sizeBytes()).isEqualTo(5 * MIB);
            assertThat(c.read(MIB, 1).join().get(0)).isEqualTo((byte) 9);
            assertThat(c.read(4 * MIB, 4096).join()).isEqualTo(ByteBuffer.allocate(4096));
        }
        Reconciler.Result again = reconciler.apply(wants(
                new Views.DesiredExtent(id, drive, 5 * MIB, 0, ""),
                new Views.DesiredExtent(neighbour, drive, MIB, 0, "")));
        assertThat(again.changed()).as("idempotent").isFalse();
    }

    @Test
    void anExtentWantedSmallerOrAKvVolumeWantedLargerIsKeptAsIsWithAReason() throws Exception {
        startNode(1);
        UUID drive = node.extents().drives().getFirst().id();
        UUID id = UUID.randomUUID();
        UUID kv = UUID.randomUUID();
        Reconciler reconciler = new Reconciler(node);
        reconciler.apply(wants(
                new Views.DesiredExtent(id, drive, 2 * MIB, 0, ""),
                new Views.DesiredExtent(kv, drive, MIB, 0, "", Views.ExtentKind.KV)));

        Reconciler.Result r = reconciler.apply(wants(
                new Views.DesiredExtent(id, drive, MIB, 0, ""),
                new Views.DesiredExtent(kv, drive, 2 * MIB, 0, "", Views.ExtentKind.KV)));
        assertThat(r.errors())
                .containsExactlyInAnyOrder(
                        "extent " + id + ": exists with " + 2 * MIB + " bytes, the controller wants " + MIB
                                + "; kept as is (an extent never shrinks)",
                        "extent " + kv + ": exists with " + MIB + " bytes, the controller wants " + 2 * MIB
                                + "; kept as is (a KV volume never changes size)");
        assertThat(node.extents().find(id).orElseThrow().record().sizeBytes()).isEqualTo(2 * MIB);
        assertThat(node.extents().find(kv).orElseThrow().record().sizeBytes()).isEqualTo(MIB);
    }
}
