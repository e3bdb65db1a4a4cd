package dev.cairn.legs.header;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class DegradedWriteTest {
    private static final int SLOT = DegradedWrite.HEADING_BYTES + 2 * 4096;

    private static DegradedWrite entry() {
        byte[] chunks = new byte[2 * 1000];
        new Random(7).nextBytes(chunks);
        // members 1 and 3 missing, bytes [100, 1100) of row 9
        return new DegradedWrite(UUID.randomUUID(), 2, 5, 17, 9, 100, 1100, 0b1010, ByteBuffer.wrap(chunks));
    }

    @Test
    void anEntryReadsBackAsWrittenWithEachMissingMembersBytes() {
        DegradedWrite e = entry();
        ByteBuffer bytes = e.encode();
        assertThat(bytes.remaining()).isEqualTo(DegradedWrite.HEADING_BYTES + 2000);

        Optional<DegradedWrite.Heading> heading = DegradedWrite.heading(bytes, SLOT);
        assertThat(heading).hasValueSatisfying(h -> {
            assertThat(h.row()).isEqualTo(9);
            assertThat(h.sequence()).isEqualTo(17);
            assertThat(h.generation()).isEqualTo(5);
            assertThat(h.bytes()).isEqualTo(bytes.remaining());
        });
        Optional<DegradedWrite> back = DegradedWrite.decode(bytes, SLOT);
        assertThat(back).hasValue(e);
        assertThat(back.orElseThrow().holds(1)).isTrue();
        assertThat(back.orElseThrow().holds(2)).isFalse();
        assertThat(back.orElseThrow().chunk(3)).isEqualTo(e.chunks().slice(1000, 1000));
        assertThatThrownBy(() -> e.chunk(0)).hasMessageContaining("member 0 is not in this entry");
    }

    @Test
    void anEntryTornWhileItWasWrittenIsNotTrusted() {
        ByteBuffer bytes = entry().encode();
        bytes.put(DegradedWrite.HEADING_BYTES + 1500, (byte) (bytes.get(DegradedWrite.HEADING_BYTES + 1500) ^ 1));
        assertThat(DegradedWrite.heading(bytes, SLOT)).isPresent();
        assertThat(DegradedWrite.decode(bytes, SLOT)).isEmpty();
        assertThat(DegradedWrite.decode(ByteBuffer.allocate(SLOT), SLOT))
                .as("zeroes")
                .isEmpty();
        assertThat(DegradedWrite.decode(entry().encode(), DegradedWrite.HEADING_BYTES + 1000))
                .as("longer than its slot")
                .isEmpty();
    }
}
