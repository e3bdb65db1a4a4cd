package dev.cairn.control.state;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.NodeState;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Why a node an operator named cannot take a new leg of a volume, in the operator's terms (the
 * node, its label, the leg already there, what to do), before placement is asked.
 */
final class ChosenNode {
    private ChosenNode() {}

    static Optional<String> whyNot(ClusterState s, StorageClass sc, Volume v, NodeRecord n) {
        String key = sc.spreadAcross();
        String value = n.label(key);
        for (Leg l : v.legs()) {
            if (l.nodeId().equals(n.id())) {
                return Optional.of("node " + n.name() + " already holds leg " + l.index() + " of volume '" + v.name()
                        + "'; every leg of a volume is on a different node");
            }
        }
        if (value == null) {
            return Optional.of("node " + n.name() + " has no '" + key + "' label, and class '" + sc.name()
                    + "' puts every leg in a different " + key + ": label it (cairn node label " + n.name() + " "
                    + key + "=VALUE) or pick another node");
        }
        SortedSet<String> used = new TreeSet<>();
        Optional<Leg> sameDomain = Optional.empty();
        for (Leg l : v.legs()) {
            Optional<String> d = Repairs.domainOf(s, l.nodeId(), key);
            if (l.staying() && d.isPresent()) {
                used.add(d.get());
                if (d.get().equals(value) && sameDomain.isEmpty()) {
                    sameDomain = Optional.of(l);
                }
            }
        }
        if (sameDomain.isEmpty()) {
            return Optional.empty();
        }
        SortedSet<String> free = new TreeSet<>();
        for (NodeRecord other : s.nodes().values()) {
            String d = other.label(key);
            if (d != null && !used.contains(d) && other.state() == NodeState.ONLINE && !other.draining()) {
                free.add(key + "=" + d);
            }
        }
        String what = "node " + n.name() + " is in " + key + "=" + value + ", where volume '" + v.name()
                + "' already has leg " + sameDomain.get().index() + ", and class '" + sc.name()
                + "' puts every leg in a different " + key;
        if (free.isEmpty()) {
            return Optional.of(what + "; the volume has a leg in every " + key + " with an online node: add a node in"
                    + " another " + key + ", use a class that spreads across another label, or remove a leg first");
        }
        return Optional.of(what + ": pick a node in " + String.join(" or ", free) + ", or remove leg "
                + sameDomain.get().index() + " first");
    }
}
