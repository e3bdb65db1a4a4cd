package dev.cairn.control.placement;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.StorageClass;

/**
 * Distributed sparing space (DESIGN.md section 6): the share of every drive that placing new
 * BStores keeps free, so that the BStores of any one lost drive can be rebuilt into the others
 * without a replacement drive. With a share {@code f} on every drive of a cluster of {@code T}
 * bytes whose largest drive holds {@code L}, the largest drive holds at most {@code (1 - f) L} and
 * the others keep {@code f (T - L)} free: enough when {@code f >= L / T}. When a class asks for it
 * ({@code --spare-node}), {@code L} is the largest node's capacity instead (when larger): the
 * BStores of a whole lost node can be rebuilt. A rebuild (and only a rebuild) may use that space.
 */
public final class Sparing {
    /** A share the controller's checks accept (below one half): the most sparing ever asks for. */
    public static final double MAX_FRACTION = 0.49;

    private Sparing() {}

    /** The share for the cluster's drives now, never below {@code configured}. */
    public static double fraction(ClusterState s, double configured) {
        boolean wholeNode = s.classes().values().stream().anyMatch(StorageClass::spareNode);
        long total = 0;
        long largest = 0;
        for (NodeRecord n : s.nodes().values()) {
            long node = 0;
            for (DriveState d : n.drives()) {
                total += d.dataBytes();
                node += d.dataBytes();
                largest = Math.max(largest, d.dataBytes());
            }
            largest = wholeNode ? Math.max(largest, node) : largest;
        }
        double needed = total == 0 ? 0 : (double) largest / total;
        return Math.min(MAX_FRACTION, Math.max(configured, needed));
    }

    /** Bytes of sparing space on the cluster's drives now. */
    public static long bytes(ClusterState s, double configured) {
        double f = fraction(s, configured);
        long out = 0;
        for (NodeRecord n : s.nodes().values()) {
            for (DriveState d : n.drives()) {
                out += (long) (d.dataBytes() * f);
            }
        }
        return out;
    }
}
