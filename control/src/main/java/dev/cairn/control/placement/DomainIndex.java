package dev.cairn.control.placement;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * Slots grouped by the value of one label (the failure domains of that key), each group ordered
 * best first, and the groups ranked by their best slot: a placement reads only the top of it.
 */
final class DomainIndex {
    /** A domain and its best slot's fraction: an upper bound on what any of its slots scores. */
    record Ranked(String value, double bestFraction) {
        static final Comparator<Ranked> ORDER =
                Comparator.comparingDouble(Ranked::bestFraction).reversed().thenComparing(Ranked::value);
    }

    private final Map<String, TreeSet<Slot>> slotsByValue = new HashMap<>();
    private final Map<String, Ranked> rankByValue = new HashMap<>();
    private final TreeSet<Ranked> ranked = new TreeSet<>(Ranked.ORDER);

    void add(String value, Slot slot) {
        TreeSet<Slot> slots = slotsByValue.computeIfAbsent(value, v -> new TreeSet<>(Slot.BEST_FIRST));
        unrank(value);
        slots.add(slot);
        rank(value, slots);
    }

    void remove(String value, Slot slot) {
        TreeSet<Slot> slots = slotsByValue.get(value);
        if (slots == null) {
            return;
        }
        unrank(value);
        slots.remove(slot);
        if (slots.isEmpty()) {
            slotsByValue.remove(value);
        } else {
            rank(value, slots);
        }
    }

    private void unrank(String value) {
        Ranked old = rankByValue.remove(value);
        if (old != null) {
            ranked.remove(old);
        }
    }

    private void rank(String value, NavigableSet<Slot> slots) {
        Ranked r = new Ranked(value, slots.first().freeFraction());
        rankByValue.put(value, r);
        ranked.add(r);
    }

    /** Domains, best first. */
    NavigableSet<Ranked> ranked() {
        return ranked;
    }

    /** A domain's slots, best first. */
    NavigableSet<Slot> slots(String value) {
        return slotsByValue.getOrDefault(value, new TreeSet<>(Slot.BEST_FIRST));
    }
}
