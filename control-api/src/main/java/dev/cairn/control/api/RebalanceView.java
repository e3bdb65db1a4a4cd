package dev.cairn.control.api;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The rebalance (DESIGN.md section 6): the spread of the drives' fill fractions now and the spread
 * it keeps the cluster within (both in percentage points); whether the operator paused it and why
 * no move starts now ({@code waiting}, e.g. a repair runs first); the moves it would still make and
 * their bytes ({@code movesPlanned}, {@code bytesPlanned}: the first 1,000 at most), the moves
 * running, and what it has moved
 * since the cluster began. {@code drives}: every drive of an online node not being drained, fullest
 * first.
 */
public record RebalanceView(
        boolean paused,
        double spreadPoints,
        double thresholdPoints,
        boolean balanced,
        Optional<String> waiting,
        int movesPlanned,
        long bytesPlanned,
        int movesRunning,
        long bytesMoving,
        long moves,
        long bytesMoved,
        List<DriveFill> drives) {

    /** A drive's fill: {@code usedBytes} of {@code dataBytes}, in percent. */
    public record DriveFill(
            UUID nodeId, String node, UUID driveId, long dataBytes, long usedBytes, double fillPercent) {}
}
