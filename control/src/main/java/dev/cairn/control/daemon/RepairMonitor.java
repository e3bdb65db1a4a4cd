package dev.cairn.control.daemon;

import dev.cairn.control.state.Command;
import dev.cairn.control.state.Outcome;
import dev.cairn.control.state.RepairPlanner;
import dev.cairn.control.state.ReplicatedState;
import dev.cairn.control.state.Secrets;
import java.io.IOException;
import java.time.InstantSource;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The repair loop: on the leader only, each pass asks {@link RepairPlanner} what to do and
 * proposes it. It remembers nothing between passes; everything it decides is in the replicated
 * state, so a new leader (or a restarted controller) carries on where the last one stopped.
 */
public final class RepairMonitor {
    private static final Logger log = LoggerFactory.getLogger(RepairMonitor.class);

    private final ReplicatedState state;
    private final InstantSource clock;
    private final RepairPlanner.Settings settings;
    private final Consumer<Command.Replacement> onPlaced;

    /** {@code onPlaced} is told of every replacement leg this loop placed (for metrics). */
    public RepairMonitor(
            ReplicatedState state,
            InstantSource clock,
            RepairPlanner.Settings settings,
            Consumer<Command.Replacement> onPlaced) {
        this.state = state;
        this.clock = clock;
        this.settings = settings;
        this.onPlaced = onPlaced;
    }

    /** One pass; returns what it proposed and was applied. */
    public synchronized List<Command> check() throws IOException {
        if (!state.isLeader()) {
            return List.of();
        }
        long now = clock.millis();
        List<Command> plan =
                state.read(s -> RepairPlanner.plan(s, now, settings, UUID::randomUUID, Secrets::newSecret));
        for (Command c : plan) {
            Outcome o = state.submit(c);
            switch (c) {
                case Command.ReplaceLeg r
                when o.isOk() -> {
                    onPlaced.accept(r.why());
                    log.info(
                            "volume {}: leg {} replaced by new leg {} ({})",
                            r.volumeId(),
                            r.extentId(),
                            r.newExtentId(),
                            r.why() == Command.Replacement.REPAIR ? "repair: missing" : "drain");
                }
                case Command.ReplaceLeg r ->
                    log.info("volume {}: replacing leg {} deferred: {}", r.volumeId(), r.extentId(), o.message());
                case Command.NoteRepair n ->
                    log.warn("volume {}: {}", n.volumeId(), n.note().orElse("repair can proceed"));
                default -> {}
            }
        }
        return plan;
    }
}
