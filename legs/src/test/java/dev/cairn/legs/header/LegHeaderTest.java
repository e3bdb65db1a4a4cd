package dev.cairn.legs.header;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class LegHeaderTest {
    private final LegHeader header = new LegHeader(
            new UUID(1, 2), new UUID(3, 4), 7, 42, 1L << 30, 1 << 20, 1 << 20, List.of(new UUID(3, 4), new UUID(5, 6)));

    @Test
    void roundTripsAndHasAKnownLayout() {
        ByteBuffer b = header.encode();
        assertThat(b.remaining()).isEqualTo(LegHeader.BYTES);
        byte[] start = new byte[24];
        b.duplicate().get(start);
        assertThat(HexFormat.of().formatHex(start))
                .isEqualTo("434149524e4c4547" + "00000001" + "00000002" + "0000000000000001");
        assertThat(b.getLong(48)).isEqualTo(7);
        assertThat(b.getLong(56)).isEqualTo(42);
        assertThat(LegHeader.decode(b)).isEqualTo(new LegHeader.Valid(header));
    }

    @Test
    void zeroesAreBlank() {
        assertThat(LegHeader.decode(ByteBuffer.allocate(LegHeader.BYTES))).isInstanceOf(LegHeader.Blank.class);
    }

    @Test
    void anyFlippedByteIsDamage() {
        for (int at : new int[] {0, 9, 20, 60, 100, 120}) {
            ByteBuffer b = header.encode();
            b.put(at, (byte) (b.get(at) ^ 0x10));
            assertThat(LegHeader.decode(b)).as("byte %d flipped", at).isInstanceOf(LegHeader.Damaged.class);
        }
    }

    @Test
    void fillRecordRoundTripsAndIsNeverTakenForASuperblock() {
        FillRecord fill = new FillRecord(new UUID(1, 2), new UUID(3, 4), 9, 1L << 30, 1 << 20, 1 << 20, 345);
        ByteBuffer b = fill.encode();
        byte[] start = new byte[12];
        b.duplicate().get(start);
        assertThat(HexFormat.of().formatHex(start)).isEqualTo("434149524e46494c" + "00000001");
        assertThat(LegHeader.decode(b)).isEqualTo(new LegHeader.Filling(fill));
        for (int at : new int[] {0, 10, 30, 70, 86}) {
            ByteBuffer torn = fill.encode();
            torn.put(at, (byte) (torn.get(at) ^ 0x01));
            assertThat(LegHeader.decode(torn)).as("byte %d flipped", at).isInstanceOf(LegHeader.Damaged.class);
        }
    }
}
