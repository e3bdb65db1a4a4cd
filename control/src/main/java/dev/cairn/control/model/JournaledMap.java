package dev.cairn.control.model;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * A map whose changes can be undone: while its {@link Journal} is open, every {@code put} and
 * {@code remove} records what the key held before, so that a command refused (or failing) half-way
 * is rolled back exactly. Reads go to a {@link TreeMap}, so iteration is in key order, the same on
 * every replica.
 *
 * <p>Invariant: every change goes through {@link #put}, {@link #remove}, {@link #clear} or {@link
 * #replaceAll}. The collection views are read-only, and Map's default methods ({@code
 * compute}, {@code merge}, {@code putIfAbsent}...) are written in terms of put and remove, so no
 * change can bypass the journal. Values are never null (null is what "absent" is recorded as).
 */
final class JournaledMap<K, V> extends AbstractMap<K, V> {

    /**
     * The undo records of one change of a whole {@link ClusterState}, shared by its maps. Closed
     * between changes: building a state (a snapshot, a copy) records nothing.
     */
    static final class Journal {
        private final List<Runnable> undo = new ArrayList<>();
        private boolean open;

        void open() {
            if (open) {
                throw new IllegalStateException("a change is already open");
            }
            open = true;
        }

        /** Keeps every change made since {@link #open}. */
        void commit() {
            undo.clear();
            open = false;
        }

        /** Undoes every change made since {@link #open}, newest first. */
        void rollBack() {
            for (int i = undo.size() - 1; i >= 0; i--) {
                undo.get(i).run();
            }
            commit();
        }

        /** Whether anything changed since {@link #open}. */
        boolean changed() {
            return !undo.isEmpty();
        }

        void record(Runnable inverse) {
            if (open) {
                undo.add(inverse);
            }
        }
    }

    private final TreeMap<K, V> map = new TreeMap<>();
    private final Map<K, V> readOnly = Collections.unmodifiableMap(map);
    private final Journal journal;

    JournaledMap(Journal journal) {
        this.journal = journal;
    }

    @Override
    public V put(K key, V value) {
        Objects.requireNonNull(value, "value");
        V old = map.put(key, value);
        journal.record(old == null ? () -> map.remove(key) : () -> map.put(key, old));
        return old;
    }

    @Override
    public V remove(Object key) {
        if (key == null || !map.containsKey(key)) {
            return null;
        }
        @SuppressWarnings("unchecked") // the map holds this key, so it is a K
        K present = (K) key;
        V old = map.remove(present);
        journal.record(() -> map.put(present, old));
        return old;
    }

    @Override
    public void clear() {
        TreeMap<K, V> before = new TreeMap<>(map);
        map.clear();
        journal.record(() -> map.putAll(before));
    }

    @Override
    public void replaceAll(BiFunction<? super K, ? super V, ? extends V> function) {
        for (K key : new ArrayList<>(map.keySet())) {
            put(key, function.apply(key, map.get(key)));
        }
    }

    @Override
    public V get(Object key) {
        return key == null ? null : map.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return key != null && map.containsKey(key);
    }

    @Override
    public int size() {
        return map.size();
    }

    @Override
    public boolean isEmpty() {
        return map.isEmpty();
    }

    @Override
    public Set<Entry<K, V>> entrySet() {
        return readOnly.entrySet();
    }

    @Override
    public Set<K> keySet() {
        return readOnly.keySet();
    }

    @Override
    public Collection<V> values() {
        return readOnly.values();
    }
}
