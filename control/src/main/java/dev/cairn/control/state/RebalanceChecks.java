package dev.cairn.control.state;

import static dev.cairn.control.state.CommandChecks.id;
import static dev.cairn.control.state.CommandChecks.present;
import static dev.cairn.control.state.CommandChecks.secret;
import static dev.cairn.control.state.CommandChecks.spare;
import static dev.cairn.control.state.CommandChecks.time;

/**
 * {@link CommandChecks} of the commands that spread data over the cluster (the rebalance) and take a
 * node out of it: well-formed before they are applied.
 */
final class RebalanceChecks {
    private RebalanceChecks() {}

    static void check(Command c) {
        switch (c) {
            case Command.SetRebalance r -> set(r);
            case Command.MoveLeg m -> moveLeg(m);
            case Command.RemoveNode r -> {
                id(r.nodeId(), "node id");
                time(r.atMillis());
            }
            default ->
                throw new IllegalStateException(
                        "not a rebalance command: " + c.getClass().getSimpleName());
        }
    }

    private static void set(Command.SetRebalance r) {
        present(r.paused(), "paused");
        present(r.spread(), "spread");
        if (r.paused().isEmpty() && r.spread().isEmpty()) {
            throw new IllegalArgumentException("nothing to set: give paused or spread");
        }
        r.spread().ifPresent(s -> {
            if (!Double.isFinite(s)) {
                throw new IllegalArgumentException("spread must be a number, got " + s);
            }
        });
    }

    private static void moveLeg(Command.MoveLeg m) {
        id(m.volumeId(), "volume id");
        id(m.extentId(), "extent id");
        id(m.toDrive(), "drive id");
        id(m.newExtentId(), "new extent id");
        if (m.newExtentId().equals(m.extentId())) {
            throw new IllegalArgumentException("a leg cannot move into itself (" + m.extentId() + ")");
        }
        secret(m.secret());
        if (m.maxSyncsPerNode() < 1) {
            throw new IllegalArgumentException("maxSyncsPerNode must be at least 1, got " + m.maxSyncsPerNode());
        }
        spare(m.spareFraction());
        time(m.atMillis());
    }
}
