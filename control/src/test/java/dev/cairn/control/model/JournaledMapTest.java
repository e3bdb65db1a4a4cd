package dev.cairn.control.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class JournaledMapTest {
    private final JournaledMap.Journal journal = new JournaledMap.Journal();
    private final JournaledMap<String, Integer> map = new JournaledMap<>(journal);

    private JournaledMapTest() {
        map.put("a", 1);
        map.put("b", 2);
        map.put("c", 3);
    }

    @Test
    void everyKindOfChangeIsUndoneNewestFirst() {
        Map<String, Integer> before = new TreeMap<>(map);
        journal.open();
        map.put("a", 10);
        map.put("a", 11);
        map.remove("b");
        map.put("b", 20);
        map.put("d", 4);
        map.merge("c", 5, Integer::sum);
        map.compute("e", (k, v) -> 7);
        map.computeIfPresent("d", (k, v) -> null);
        map.putIfAbsent("f", 8);
        map.replaceAll((k, v) -> v * 100);
        map.remove("nothing here");
        assertThat(journal.changed()).isTrue();
        assertThat(map).isNotEqualTo(before);

        journal.rollBack();

        assertThat(map).isEqualTo(before);
        assertThat(map.keySet()).containsExactly("a", "b", "c");
        assertThat(journal.changed()).isFalse();
    }

    @Test
    void aClearIsUndoneAndACommitKeepsEverything() {
        journal.open();
        map.clear();
        assertThat(map).isEmpty();
        journal.rollBack();
        assertThat(map).containsExactly(entry("a", 1), entry("b", 2), entry("c", 3));

        journal.open();
        map.put("z", 26);
        journal.commit();
        journal.open();
        journal.rollBack();
        assertThat(map).containsEntry("z", 26);
    }

    @Test
    void changesOutsideAChangeAreNotRecorded() {
        map.put("x", 9);
        assertThat(journal.changed()).isFalse();
        journal.open();
        assertThatThrownBy(journal::open).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void noViewCanChangeTheMapBehindTheJournal() {
        journal.open();
        assertThatThrownBy(() -> map.values().removeIf(v -> v == 1)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> map.keySet().remove("a")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> map.entrySet().iterator().next().setValue(5))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> map.put("n", null)).isInstanceOf(NullPointerException.class);
        assertThat(journal.changed()).isFalse();
        assertThat(map).containsExactly(entry("a", 1), entry("b", 2), entry("c", 3));
    }
}
