package dev.cairn.legs.header;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A BStore's superblock: what it round-trips, and which geometries it belongs to. */
class PStoreHeaderTest {
    private static final UUID VOLUME = UUID.randomUUID();

    private static PStoreHeader header(int k, long rows) {
        BitSet failed = new BitSet();
        failed.set(5);
        return new PStoreHeader(VOLUME, 3, 1, k, 2, 65536, rows, 4, 7, 9, failed);
    }

    @Test
    void itDecodesAsEncoded() {
        PStoreHeader h = header(4, 100);
        assertThat(PStoreHeader.decode(h.encode())).isEqualTo(new PStoreHeader.Valid(h));
        ByteBuffer torn = h.encode();
        torn.put(40, (byte) (torn.get(40) ^ 1));
        assertThat(PStoreHeader.decode(torn)).isInstanceOf(PStoreHeader.Damaged.class);
        assertThat(PStoreHeader.decode(ByteBuffer.allocate(PStoreHeader.BYTES))).isInstanceOf(PStoreHeader.Blank.class);
    }

    @Test
    void aHeaderWithFewerRowsBelongsToTheGrownVolumeOneWithMoreOrAnotherCodeDoesNot() {
        PStoreHeader written = header(4, 100);
        assertThat(written.mismatch(VOLUME, 3, 1, header(4, 100))).isEmpty();
        assertThat(written.mismatch(VOLUME, 3, 1, header(4, 256)))
                .as("the volume grew since: the rows after its own are zeroes everywhere")
                .isEmpty();
        assertThat(written.mismatch(VOLUME, 3, 1, header(4, 99)))
                .hasValue("was written for a 4+2 code of 100 rows of 65536-byte chunks, 4 rows per region; the"
                        + " volume has another geometry (4+2, 99 rows of 65536 bytes, 4 per region)");
        assertThat(written.mismatch(VOLUME, 3, 1, header(3, 100))).isPresent();
        assertThat(written.mismatch(VOLUME, 2, 1, header(4, 100)))
                .hasValueSatisfying(m -> assertThat(m).startsWith("holds member 1 of PStore 3 of volume "));
    }
}
