package dev.cairn.dkv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ShardRecoveryTest {
    private static final long K = Layout.RESERVED_KEYS;
    private final MemoryShards shards = new MemoryShards(1, 1024, 3);
    private final DkvClient client = new DkvClient(shards, shards, 7);

    private MemoryKvVolume mirror(Layout layout, int i) {
        return shards.volume(layout.shards().getFirst().mirrors().get(i).volume());
    }

    @Test
    void aShardHoldingAFewKeysIsRecoveredFromTheRunsThatHoldThemOnly() {
        List<Long> keys = List.of(K, K + 1, K + 700);
        for (long key : keys) {
            client.put(key, ByteBuffer.wrap(("v" + key).getBytes(StandardCharsets.UTF_8)))
                    .join();
        }
        Layout before = shards.layout();
        mirror(before, 2).down(true);
        Layout replaced = shards.replacing(0, 2);
        shards.publish(replaced);
        long[] readBefore = {
            mirror(replaced, 0).slotsRead(),
            mirror(replaced, 1).slotsRead(),
            mirror(replaced, 2).slotsRead()
        };

        assertThat(new DkvClient(shards, shards, 9).recover(replaced, 0).join())
                .as("each key written to the fresh mirror")
                .isEqualTo(keys.size());
        // Only the slots each mirror holds are read: the three keys' from the survivors, none
        // from the fresh mirror (not the 1024 slots of the shard, nor the two runs of 64 that hold them).
        assertThat(mirror(replaced, 0).slotsRead() - readBefore[0]).isEqualTo(keys.size());
        assertThat(mirror(replaced, 1).slotsRead() - readBefore[1]).isEqualTo(keys.size());
        assertThat(mirror(replaced, 2).slotsRead() - readBefore[2]).isZero();

        shards.publish(shards.allReady(0));
        for (long key : keys) {
            for (int turn = 0; turn < 3; turn++) {
                Optional<byte[]> got = client.get(key).join();
                assertThat(got)
                        .hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8))
                                .isEqualTo("v" + key));
            }
        }
        assertThat(SlotCodec.decode(
                        mirror(shards.layout(), 2)
                                .raw(replaced.slotOf(
                                        K + 700,
                                        replaced.shards().getFirst().mirrors().get(2))),
                        K + 700))
                .as("the fresh mirror holds the far key")
                .isInstanceOf(SlotRead.Valid.class);
    }
}
