package dev.cairn.control.rest;

import dev.cairn.control.api.RebalanceView;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The rebalance's meters, as this peer's copy of the state has it: {@code
 * cairn_controller_rebalance_spread_points} (the spread of the drives' fill now), {@code
 * cairn_controller_rebalance_paused}, {@code cairn_controller_rebalance_planned_bytes} (moves not
 * started), {@code cairn_controller_rebalance_moving_bytes} (started, not finished) and {@code
 * cairn_controller_rebalance_moved_bytes_total} (finished since the cluster began). They show what
 * {@link #update} last got (before each scrape).
 */
final class RebalanceMeters {
    private volatile RebalanceView last =
            new RebalanceView(false, 0, 0, true, Optional.empty(), 0, 0, 0, 0, 0, 0, List.of());

    RebalanceMeters(MeterRegistry registry) {
        gauge(
                registry,
                "cairn.controller.rebalance.spread.points",
                "Spread of the drives' fill, in points",
                v -> v.spreadPoints());
        gauge(
                registry,
                "cairn.controller.rebalance.paused",
                "1 while the operator paused the rebalance",
                v -> v.paused() ? 1 : 0);
        Gauge.builder("cairn.controller.rebalance.planned", this, m -> m.last.bytesPlanned())
                .description("Bytes of the moves the rebalance plans and has not started")
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder("cairn.controller.rebalance.moving", this, m -> m.last.bytesMoving())
                .description("Bytes of the rebalance's moves started and not finished")
                .baseUnit("bytes")
                .register(registry);
        FunctionCounter.builder("cairn.controller.rebalance.moved", this, m -> m.last.bytesMoved())
                .description("Bytes of the rebalance's finished moves")
                .baseUnit("bytes")
                .register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String description, ToDoubleFunction<RebalanceView> f) {
        Gauge.builder(name, this, m -> f.applyAsDouble(m.last))
                .description(description)
                .register(registry);
    }

    void update(RebalanceView view) {
        last = view;
    }
}
