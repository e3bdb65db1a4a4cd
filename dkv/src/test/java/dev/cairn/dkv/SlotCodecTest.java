package dev.cairn.dkv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class SlotCodecTest {
    private static final long KEY = 70_000;

    private static Slot hello() {
        return Slot.put(KEY, new Version(3, 0xabcdefL), ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void knownAnswer() {
        ByteBuffer b = SlotCodec.encode(hello());
        byte[] head = new byte[SlotCodec.HEADER + 5];
        b.get(0, head);
        // magic CKV1, format 1, flags 0, reserved 0, key 70000, counter 3, writer 0xabcdef, length 5,
        // CRC32C over the 36 header bytes and the value (computed apart, in Python), then the value.
        assertThat(HexFormat.of().formatHex(head))
                .isEqualTo("434b5631" + "01" + "00" + "0000" + "0000000000011170" + "0000000000000003"
                        + "0000000000abcdef" + "00000005" + "1cc020d0" + "68656c6c6f");
        assertThat(SlotCodec.decode(b, KEY)).isEqualTo(new SlotRead.Valid(hello()));
    }

    @Test
    void roundTripsPutsTombstonesAndSettledSlots() {
        byte[] big = new byte[SlotCodec.MAX_VALUE];
        new Random(1).nextBytes(big);
        for (Slot s : new Slot[] {
            hello(),
            hello().settle(),
            Slot.tombstone(KEY, new Version(9, 1)),
            Slot.tombstone(KEY, new Version(9, 1)).settle(),
            Slot.put(KEY, Version.first(7), ByteBuffer.wrap(big)),
            Slot.put(KEY, Version.first(7), ByteBuffer.allocate(0))
        }) {
            SlotRead read = SlotCodec.decode(SlotCodec.encode(s), KEY);
            assertThat(read).isEqualTo(new SlotRead.Valid(s));
            Slot back = ((SlotRead.Valid) read).slot();
            assertThat(back.deleted()).isEqualTo(s.deleted());
            assertThat(back.value().map(ByteBuffer::wrap)).isEqualTo(s.value().map(ByteBuffer::wrap));
        }
    }

    @Test
    void zerosAreEmptyAndAnotherKeysSlotIsCorrupt() {
        assertThat(SlotCodec.decode(ByteBuffer.allocate(SlotCodec.SLOT_BYTES), KEY))
                .isEqualTo(SlotRead.EMPTY);
        assertThat(SlotCodec.decode(SlotCodec.encode(hello()), KEY + 1))
                .isInstanceOfSatisfying(
                        SlotRead.Corrupt.class, c -> assertThat(c.why()).contains("holds key 70000, not 70001"));
    }

    @Test
    void valuesTooLargeAndShortBlocksAreRefused() {
        assertThatThrownBy(() -> Slot.put(KEY, Version.first(1), ByteBuffer.allocate(SlotCodec.MAX_VALUE + 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 4056 bytes");
        assertThatThrownBy(() -> SlotCodec.decode(ByteBuffer.allocate(100), KEY))
                .hasMessageContaining("a slot is 4096 bytes, got 100");
        assertThatThrownBy(() -> new Version(0, 1)).hasMessageContaining("starts at 1");
    }

    /** Every single bit flipped in the header or the value is caught. */
    @Test
    void everyFlippedBitOfHeaderAndValueIsCorrupt() {
        ByteBuffer good = SlotCodec.encode(hello());
        for (int bit = 0; bit < (SlotCodec.HEADER + 5) * 8; bit++) {
            ByteBuffer b = ByteBuffer.allocate(SlotCodec.SLOT_BYTES)
                    .put(good.duplicate())
                    .flip();
            b.put(bit / 8, (byte) (b.get(bit / 8) ^ (1 << (bit % 8))));
            assertThat(SlotCodec.decode(b, KEY)).as("bit %d", bit).isInstanceOf(SlotRead.Corrupt.class);
        }
    }

    /** A write torn at any sector boundary reads as the old slot, the new one, or corrupt; never a mix. */
    @Property(tries = 200, seed = "20261203")
    void tornWritesAreNeverAMix(
            @ForAll @IntRange(min = 1, max = 4056) int oldLength,
            @ForAll @IntRange(min = 1, max = 4056) int newLength,
            @ForAll @IntRange(min = 1, max = 7) int sectors,
            @ForAll long seed) {
        Random r = new Random(seed);
        byte[] a = new byte[oldLength];
        byte[] b = new byte[newLength];
        r.nextBytes(a);
        r.nextBytes(b);
        Slot older = Slot.put(KEY, new Version(1, 1), ByteBuffer.wrap(a));
        Slot newer = Slot.put(KEY, new Version(2, 1), ByteBuffer.wrap(b));
        MemoryKvVolume v = new MemoryKvVolume(1);
        v.tear(0, SlotCodec.encode(older), 8);
        v.tear(0, SlotCodec.encode(newer), sectors);
        SlotRead read = SlotCodec.decode(v.raw(0), KEY);
        if (read instanceof SlotRead.Valid(Slot s)) {
            assertThat(s).isIn(older, newer);
        }
    }

    /** Random bytes, with or without the magic in front, never decode as a slot. */
    @Property(tries = 300, seed = "20261203")
    void garbageIsNeverAValue(@ForAll long seed, @ForAll boolean withMagic, @ForAll @LongRange(min = 0) long key) {
        byte[] junk = new byte[SlotCodec.SLOT_BYTES];
        new Random(seed).nextBytes(junk);
        ByteBuffer b = ByteBuffer.wrap(junk);
        if (withMagic) {
            b.putInt(0, SlotCodec.MAGIC)
                    .put(4, (byte) SlotCodec.FORMAT)
                    .put(5, (byte) 0)
                    .putShort(6, (short) 0);
            b.putInt(32, (int) (seed & 0xfff) % SlotCodec.MAX_VALUE);
        }
        assertThat(SlotCodec.decode(b, key)).isInstanceOf(SlotRead.Corrupt.class);
    }
}
