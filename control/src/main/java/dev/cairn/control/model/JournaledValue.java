package dev.cairn.control.model;

import java.util.Objects;

/** One value of a {@link ClusterState} whose changes are journaled like its maps' ({@link JournaledMap}). */
final class JournaledValue<V> {
    private final JournaledMap.Journal journal;
    private V value;

    JournaledValue(JournaledMap.Journal journal, V initial) {
        this.journal = journal;
        this.value = Objects.requireNonNull(initial, "value");
    }

    V get() {
        return value;
    }

    void set(V newValue) {
        Objects.requireNonNull(newValue, "value");
        V old = value;
        value = newValue;
        journal.record(() -> value = old);
    }
}
