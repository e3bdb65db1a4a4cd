package dev.cairn.dkv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The slot rule makes mirrors converge: every mirror that receives the same writes, in any order, ends the same. */
class SlotRuleProperties {
    private static final long KEY = Layout.RESERVED_KEYS + 5;

    @Property(tries = 500, seed = "20261203")
    void mirrorsThatTakeTheSameWritesInAnyOrderEndIdenticalWithTheGreatest(
            @ForAll @IntRange(min = 1, max = 12) int puts, @ForAll long seed) throws DkvException {
        Random r = new Random(seed);
        List<Slot> writes = new ArrayList<>();
        for (int i = 0; i < puts; i++) {
            Version v = new Version(1 + r.nextInt(4), r.nextInt(3));
            // One put per version: its content follows from it, as versions are never reused.
            Random content = new Random(v.counter() * 31 + v.writer());
            byte[] value = new byte[content.nextInt(64)];
            content.nextBytes(value);
            Slot s = content.nextInt(4) == 0 ? Slot.tombstone(KEY, v) : Slot.put(KEY, v, ByteBuffer.wrap(value));
            writes.add(s);
            if (r.nextBoolean()) {
                writes.add(s.settle());
            }
        }
        List<MemoryKvVolume> mirrors = List.of(new MemoryKvVolume(1), new MemoryKvVolume(1), new MemoryKvVolume(1));
        for (MemoryKvVolume m : mirrors) {
            List<Slot> order = new ArrayList<>(writes);
            Collections.shuffle(order, r);
            for (Slot s : order) {
                m.writeNow(0, 0, SlotCodec.encode(s));
            }
        }
        Slot greatest = writes.stream().max(Comparator.comparing(Slot::version)).orElseThrow();
        boolean settled = writes.stream().anyMatch(s -> s.samePut(greatest) && s.settled());
        for (MemoryKvVolume m : mirrors) {
            assertThat(m.raw(0)).isEqualTo(mirrors.getFirst().raw(0));
            SlotRead read = SlotCodec.decode(m.raw(0), KEY);
            assertThat(read).isEqualTo(new SlotRead.Valid(settled ? greatest.settle() : greatest));
        }
    }
}
