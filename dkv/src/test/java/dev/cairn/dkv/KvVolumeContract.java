package dev.cairn.dkv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * What every {@link KvVolume} must do, run against each implementation: in memory ({@link
 * MemoryKvVolume}) and over NBD against a real storage node (in the node module).
 */
public abstract class KvVolumeContract {
    protected static final long KEY = Layout.RESERVED_KEYS + 100;

    /** A KV volume of {@code slots} slots, reached under one epoch; the epoch can move on. */
    protected interface Fixture {
        /** A handle under the volume's current epoch. */
        KvVolume handle() throws Exception;

        /** Moves the volume to the next epoch, fencing every handle opened before. */
        void nextEpoch() throws Exception;
    }

    protected abstract Fixture newVolume(long slots) throws Exception;

    private static ByteBuffer slot(long key, long counter, long writer, int length) {
        ByteBuffer value = ByteBuffer.allocate(length);
        for (int i = 0; i < length; i++) {
            value.put(i, (byte) (counter * 7 + writer + i));
        }
        return SlotCodec.encode(Slot.put(key, new Version(counter, writer), value));
    }

    private static SlotRead at(KvVolume v, long slot, long key) {
        return SlotCodec.decode(v.read(slot, 1).join(), key);
    }

    private static Version versionAt(KvVolume v, long slot, long key) {
        return ((SlotRead.Valid) at(v, slot, key)).slot().version();
    }

    @Test
    void aNewVolumeIsEmptySlotsOfItsSize() throws Exception {
        KvVolume v = newVolume(16).handle();
        assertThat(v.slots()).isEqualTo(16);
        ByteBuffer all = v.read(0, 16).join();
        assertThat(all.remaining()).isEqualTo(16 * SlotCodec.SLOT_BYTES);
        for (int i = 0; i < 16; i++) {
            assertThat(SlotCodec.decode(all.slice(i * SlotCodec.SLOT_BYTES, SlotCodec.SLOT_BYTES), KEY + i))
                    .isEqualTo(SlotRead.EMPTY);
        }
    }

    @Test
    void slotsWrittenReadBackWholeAtTheirPlace() throws Exception {
        KvVolume v = newVolume(8).handle();
        ByteBuffer a = slot(KEY, 1, 1, 4056);
        ByteBuffer b = slot(KEY + 1, 1, 1, 0);
        v.write(3, a.duplicate(), true).join();
        v.write(4, b.duplicate(), false).join();
        ByteBuffer two = v.read(3, 2).join();
        assertThat(two.slice(0, SlotCodec.SLOT_BYTES)).isEqualTo(a);
        assertThat(two.slice(SlotCodec.SLOT_BYTES, SlotCodec.SLOT_BYTES)).isEqualTo(b);
        assertThat(at(v, 2, KEY)).isEqualTo(SlotRead.EMPTY);
    }

    @Test
    void slotsWrittenTogetherAreEachJudgedAndOneOfAnotherKeyRefusesThemAll() throws Exception {
        KvVolume v = newVolume(8).handle();
        v.write(3, slot(KEY + 1, 9, 1, 10), true).join(); // newer than what comes below
        ByteBuffer three = ByteBuffer.allocate(3 * SlotCodec.SLOT_BYTES);
        three.put(slot(KEY, 2, 1, 10)).put(slot(KEY + 1, 2, 1, 10)).put(slot(KEY + 2, 2, 1, 10));
        v.write(2, three.flip(), true).join();
        assertThat(versionAt(v, 2, KEY)).isEqualTo(new Version(2, 1));
        assertThat(versionAt(v, 3, KEY + 1)).as("kept: it held a newer one").isEqualTo(new Version(9, 1));
        assertThat(versionAt(v, 4, KEY + 2)).isEqualTo(new Version(2, 1));

        // Slot 3 would take a newer version, but slot 4 holds another key: neither is written.
        ByteBuffer clash = ByteBuffer.allocate(2 * SlotCodec.SLOT_BYTES);
        clash.put(slot(KEY + 1, 10, 1, 10)).put(slot(KEY + 4, 1, 1, 10));
        assertThatThrownBy(() -> v.write(3, clash.flip(), true).join()).hasCauseInstanceOf(DkvException.Refused.class);
        assertThat(versionAt(v, 3, KEY + 1))
                .as("nothing of the refused write landed")
                .isEqualTo(new Version(9, 1));
    }

    @Test
    void writtenSaysWhichSlotsMayHoldAnything() throws Exception {
        KvVolume v = newVolume(256).handle();
        v.write(5, slot(KEY, 1, 1, 10), true).join();
        v.write(200, slot(KEY + 1, 1, 1, 10), true).join();
        BitSet written = v.written(0, 256).join();
        assertThat(written.get(5)).isTrue();
        assertThat(written.get(200)).isTrue();
        assertThat(written.get(100)).as("never written: reads as zeroes").isFalse();
    }

    @Test
    void theGreaterVersionStaysWhateverOrderWritesArriveIn() throws Exception {
        KvVolume v = newVolume(4).handle();
        v.write(0, slot(KEY, 5, 2, 10), true).join();
        v.write(0, slot(KEY, 5, 1, 99), true).join(); // older: completes, changes nothing
        v.write(0, slot(KEY, 4, 9, 99), true).join();
        assertThat(versionAt(v, 0, KEY)).isEqualTo(new Version(5, 2));
        v.write(0, slot(KEY, 6, 1, 3), true).join();
        assertThat(versionAt(v, 0, KEY)).isEqualTo(new Version(6, 1));
    }

    @Test
    void aSettledMarkReplacesItsOwnPutButNotANewerOne() throws Exception {
        KvVolume v = newVolume(4).handle();
        Slot put = Slot.put(KEY, new Version(3, 1), ByteBuffer.wrap(new byte[] {1, 2, 3}));
        v.write(1, SlotCodec.encode(put), true).join();
        v.write(1, SlotCodec.encode(put.settle()), false).join();
        assertThat(at(v, 1, KEY)).isEqualTo(new SlotRead.Valid(put.settle()));
        v.write(1, SlotCodec.encode(put), true).join(); // the unsettled copy again: kept settled
        assertThat(at(v, 1, KEY)).isEqualTo(new SlotRead.Valid(put.settle()));
        Slot newer = Slot.tombstone(KEY, new Version(4, 1));
        v.write(1, SlotCodec.encode(newer), true).join();
        v.write(1, SlotCodec.encode(put.settle()), false).join();
        assertThat(at(v, 1, KEY)).isEqualTo(new SlotRead.Valid(newer));
    }

    @Test
    void writesOfAnotherKeyOrOfBytesThatAreNotASlotAreRefused() throws Exception {
        KvVolume v = newVolume(4).handle();
        v.write(2, slot(KEY, 1, 1, 5), true).join();
        assertThatThrownBy(() -> v.write(2, slot(KEY + 1, 9, 1, 5), true).join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(DkvException.Refused.class);
        ByteBuffer junk = ByteBuffer.allocate(SlotCodec.SLOT_BYTES);
        junk.putInt(0, 0x12345678);
        assertThatThrownBy(() -> v.write(3, junk, true).join()).hasCauseInstanceOf(DkvException.Refused.class);
        assertThat(versionAt(v, 2, KEY)).isEqualTo(new Version(1, 1));
        assertThat(at(v, 3, KEY)).isEqualTo(SlotRead.EMPTY);
    }

    @Test
    void aNewEpochFencesOldHandlesAndKeepsTheSlots() throws Exception {
        Fixture f = newVolume(4);
        KvVolume old = f.handle();
        old.write(0, slot(KEY, 1, 1, 8), true).join();
        f.nextEpoch();
        assertThatThrownBy(() -> old.read(0, 1).join()).hasCauseInstanceOf(DkvException.StaleEpoch.class);
        assertThatThrownBy(() -> old.write(0, slot(KEY, 2, 1, 8), true).join())
                .hasCauseInstanceOf(DkvException.StaleEpoch.class);
        KvVolume now = f.handle();
        assertThat(versionAt(now, 0, KEY)).isEqualTo(new Version(1, 1));
        now.write(0, slot(KEY, 2, 1, 8), true).join();
        assertThat(versionAt(now, 0, KEY)).isEqualTo(new Version(2, 1));
    }

    @Test
    void slotsOutsideTheVolumeAreRefused() throws Exception {
        KvVolume v = newVolume(4).handle();
        assertThatThrownBy(() -> v.read(3, 2).join()).hasRootCauseInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> v.write(4, slot(KEY, 1, 1, 1), true).join())
                .hasRootCauseInstanceOf(IllegalArgumentException.class);
    }

    /** Many writers of one slot at once, every version different: the greatest is what stays. */
    @Test
    void concurrentWritersOfOneSlotLeaveTheGreatestVersion() throws Exception {
        Fixture f = newVolume(4);
        List<KvVolume> handles = List.of(f.handle(), f.handle(), f.handle());
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int counter = 1; counter <= 40; counter++) {
            for (int writer = 1; writer <= 3; writer++) {
                writes.add(handles.get(writer - 1).write(1, slot(KEY, counter, writer, 100 + counter), true));
            }
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        assertThat(versionAt(handles.getFirst(), 1, KEY)).isEqualTo(new Version(40, 3));
    }
}
