package dev.cairn.dkv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class DkvClientTest {
    private static final long K = Layout.RESERVED_KEYS;

    private final MemoryShards shards = new MemoryShards(2, 16, 3);
    private final DkvClient client = new DkvClient(shards, shards, 1);

    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static <T> T done(CompletableFuture<T> f) {
        assertThat(f).isDone();
        return f.join();
    }

    private Optional<String> get(DkvClient c, long key) {
        return done(c.get(key)).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    private MemoryKvVolume mirror(long key, int i) {
        return shards.volume(shards.layout().shardOf(key).mirrors().get(i).volume());
    }

    private long slotOn(long key, int i) {
        Layout l = shards.layout();
        return l.slotOf(key, l.shardOf(key).mirrors().get(i));
    }

    private SlotRead stored(long key, int i) {
        return SlotCodec.decode(mirror(key, i).raw(slotOn(key, i)), key);
    }

    @Test
    void putGetDeleteAndScanAcrossShards() {
        done(client.put(K, text("a")));
        done(client.put(K + 17, text("b")));
        done(client.put(K + 3, text("c")));
        done(client.delete(K + 3));
        done(client.put(K, text("a2")));
        for (int i = 0; i < 3; i++) {
            assertThat(get(client, K)).contains("a2");
        }
        assertThat(get(client, K + 3)).isEmpty();
        assertThat(get(client, K + 5)).isEmpty();
        SortedMap<Long, byte[]> all = done(client.scan(0, Long.MAX_VALUE, 100));
        assertThat(all.keySet()).containsExactly(K, K + 17);
        assertThat(done(client.scan(K + 1, K + 32, 1)).keySet()).containsExactly(K + 17);
        // Every mirror holds the same, settled, at distinct slots of their volumes.
        for (int i = 0; i < 3; i++) {
            assertThat(stored(K, i)).isInstanceOfSatisfying(SlotRead.Valid.class, v -> {
                assertThat(v.slot().settled()).isTrue();
                // The fifth put of this client: a client's versions rise across all keys.
                assertThat(v.slot().version()).isEqualTo(new Version(5, 1));
            });
        }
    }

    @Test
    void aPutOnOneMirrorOnlyIsNotReadFromTheOthersAndAGetThatSeesItFinishesItFirst() {
        Slot partial = Slot.put(K, new Version(1, 99), text("half"));
        mirror(K, 0)
                .under(1)
                .write(slotOn(K, 0), SlotCodec.encode(partial), true)
                .join();
        // A client reading mirror 1 sees nothing: the put has not completed, so that is a valid answer.
        DkvClient second = new DkvClient(shards, shards, 2);
        second.get(K + 1).join(); // turns the second client's next read to mirror 1
        assertThat(get(second, K)).isEmpty();
        // A client reading mirror 0 finds it unsettled: it writes it to every mirror before returning it.
        assertThat(get(client, K)).contains("half");
        for (int i = 0; i < 3; i++) {
            assertThat(stored(K, i)).isInstanceOfSatisfying(SlotRead.Valid.class, v -> {
                assertThat(v.slot().samePut(partial)).isTrue();
                assertThat(v.slot().settled()).isTrue();
            });
        }
        assertThat(get(second, K)).contains("half");
    }

    @Test
    void aDamagedOrTornSlotIsNeverReturnedAndIsRepairedFromAnotherMirror() {
        done(client.put(K, text("good")));
        mirror(K, 0).damage(slotOn(K, 0), 41);
        assertThat(stored(K, 0)).isInstanceOf(SlotRead.Corrupt.class);
        // Each get reads the next mirror in turn; the one that reads mirror 0 repairs it.
        for (int i = 0; i < 3; i++) {
            assertThat(get(client, K)).contains("good");
        }
        assertThat(stored(K, 0)).isInstanceOf(SlotRead.Valid.class);

        // A put torn on mirror 0 by a crash: the first sector of the new slot over the old one.
        Slot newer = Slot.put(K, new Version(9, 1), text("x".repeat(2000)));
        mirror(K, 0).tear(slotOn(K, 0), SlotCodec.encode(newer), 1);
        assertThat(stored(K, 0)).isInstanceOf(SlotRead.Corrupt.class);
        DkvClient third = new DkvClient(shards, shards, 3);
        for (int i = 0; i < 3; i++) {
            assertThat(get(third, K)).contains("good");
        }
        assertThat(stored(K, 0))
                .isInstanceOfSatisfying(
                        SlotRead.Valid.class,
                        v -> assertThat(v.slot().version().counter()).isEqualTo(1));
        // A put over a damaged slot takes a version above the others'.
        mirror(K, 1).damage(slotOn(K, 1), 3);
        done(client.put(K, text("after")));
        assertThat(stored(K, 1))
                .isInstanceOfSatisfying(
                        SlotRead.Valid.class,
                        v -> assertThat(v.slot().version().counter()).isGreaterThan(1));
    }

    @Test
    void aKeyDamagedOnEveryMirrorIsReportedLostNotAbsent() {
        done(client.put(K, text("v")));
        for (int i = 0; i < 3; i++) {
            mirror(K, i).damage(slotOn(K, i), i == 0 ? 40 : 8 * i);
        }
        assertThatThrownBy(() -> client.get(K).join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(DkvException.Lost.class)
                .hasMessageContaining("every mirror's slot is damaged");
        // A fresh mirror being filled is empty: it does not make the key absent.
        shards.publish(shards.replacing(0, 2));
        assertThatThrownBy(() -> client.get(K).join()).hasCauseInstanceOf(DkvException.Lost.class);
    }

    @Test
    void aMirrorDownFailsPutsUntilTheLayoutReplacesItAndRecoveryMakesTheNewMirrorWhole() {
        done(client.put(K, text("before")));
        done(client.put(K + 1, text("other")));
        mirror(K, 2).down(true);
        assertThatThrownBy(() -> client.put(K, text("during")).join())
                .hasCauseInstanceOf(DkvException.MirrorUnavailable.class);
        // The put reached mirrors 0 and 1 (unsettled). The controller replaces mirror 2 and recovers.
        Layout replaced = shards.replacing(0, 2);
        shards.publish(replaced);
        assertThat(done(new DkvClient(shards, shards, 9).recover(replaced, 0))).isEqualTo(2);
        shards.publish(shards.allReady(0));
        for (int turn = 0; turn < 3; turn++) {
            assertThat(get(client, K)).contains("during");
            assertThat(get(client, K + 1)).contains("other");
            assertThat(stored(K, turn))
                    .isInstanceOfSatisfying(
                            SlotRead.Valid.class,
                            v -> assertThat(v.slot().value())
                                    .hasValueSatisfying(b -> assertThat(new String(b, StandardCharsets.UTF_8))
                                            .isEqualTo("during")));
        }
        // A client still on the old layout is told so by every mirror, and moves on by itself.
        assertThat(get(new DkvClient(oldLayout(replaced), shards, 4), K)).contains("during");
    }

    /** A layout source that first gives {@code stale}'s predecessor (epoch 1), then the current one. */
    private LayoutSource oldLayout(Layout stale) {
        return shards.startingFrom(new Layout(1, stale.firstKey(), stale.slotsPerShard(), stale.shards()));
    }

    @Test
    void twoWritersOfOneKeyEndWithOneWinnerOnEveryMirrorWhateverTheOrder() {
        Slot a = Slot.put(K, new Version(5, 1), text("from a"));
        Slot b = Slot.put(K, new Version(5, 2), text("from b"));
        for (int i = 0; i < 3; i++) {
            List<Slot> order = i % 2 == 0 ? List.of(a, b) : List.of(b, a);
            for (Slot s : order) {
                mirror(K, i)
                        .under(1)
                        .write(slotOn(K, i), SlotCodec.encode(s), true)
                        .join();
            }
            assertThat(stored(K, i)).isEqualTo(new SlotRead.Valid(b));
        }
        assertThat(get(client, K)).contains("from b");
    }

    @Test
    void badRequestsSayWhatWasWrong() {
        assertThatThrownBy(() -> client.get(5).join()).hasMessageContaining("the keys below are reserved");
        assertThatThrownBy(() -> client.get(K + 32).join()).hasMessageContaining("reserve room first");
        assertThatThrownBy(() -> client.put(K, ByteBuffer.allocate(5000)).join())
                .hasMessageContaining("at most 4056 bytes");
        done(client.put(K, text("x")));
        assertThatThrownBy(() -> mirror(K, 0)
                        .under(1)
                        .write(slotOn(K, 0), SlotCodec.encode(Slot.tombstone(K + 1, Version.first(1))), true)
                        .join())
                .hasMessageContaining("holds another key");
    }

    @Test
    void versionsRiseAboveWhatWasReadAndAboveEveryVersionThisClientGave() {
        assertThat(client.nextVersion(Optional.empty())).isEqualTo(new Version(1, 1));
        assertThat(client.nextVersion(Optional.of(new Version(10, 7)))).isEqualTo(new Version(11, 1));
        assertThat(client.nextVersion(Optional.of(new Version(3, 7)))).isEqualTo(new Version(12, 1));
    }
}
