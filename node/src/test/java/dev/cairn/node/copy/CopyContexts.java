package dev.cairn.node.copy;

import dev.cairn.drive.Extent;
import dev.cairn.legs.io.LegConnector;
import dev.cairn.legs.sync.ResyncThrottle;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executor;

/** The copy context the copy and rebuild tests share: one local extent, legs in memory, no throttle. */
final class CopyContexts {
    private CopyContexts() {}

    /** {@code local} as extent {@code target}, other nodes' extents through {@code legs}, 5 s timeouts, 3 workers. */
    static LegCopies.Context of(UUID target, Extent local, Executor io, LegConnector legs) {
        return new LegCopies.Context(
                id -> id.equals(target) ? Optional.of(local) : Optional.empty(),
                io,
                legs,
                ResyncThrottle.unlimited(),
                Duration.ofSeconds(5),
                Duration.ofSeconds(5),
                3);
    }
}
