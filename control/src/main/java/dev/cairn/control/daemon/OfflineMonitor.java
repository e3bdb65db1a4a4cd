package dev.cairn.control.daemon;

import dev.cairn.control.model.NodeState;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.ReplicatedState;
import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.UUID;

/**
 * Marks nodes offline when they stop heartbeating (as the leader heard them, in its log or only in
 * its memory: {@link dev.cairn.control.state.Liveness}). Runs on every controller peer; only the
 * leader acts. A peer that has just become leader first waits a full interval (nodes heartbeating to the
 * old leader, or to no leader during an election, must not all be marked offline at once).
 */
public final class OfflineMonitor {
    private final ReplicatedState state;
    private final InstantSource clock;
    private final long offlineAfterMillis;
    private long leaderSince = -1;

    public OfflineMonitor(ReplicatedState state, InstantSource clock, Duration offlineAfter) {
        this.state = state;
        this.clock = clock;
        this.offlineAfterMillis = offlineAfter.toMillis();
    }

    /** One pass; returns the nodes it marked offline. */
    public synchronized List<UUID> check() throws IOException {
        if (!state.isLeader()) {
            leaderSince = -1;
            return List.of();
        }
        long now = clock.millis();
        if (leaderSince < 0) {
            leaderSince = now;
        }
        long since = leaderSince;
        List<UUID> silent = state.read(s -> s.nodes().values().stream()
                .filter(n -> n.state() == NodeState.ONLINE)
                .filter(n -> Math.max(state.liveness().lastHeard(n), since) + offlineAfterMillis <= now)
                .map(n -> n.id())
                .toList());
        for (UUID node : silent) {
            state.submit(new Command.MarkNodeOffline(node, now, offlineAfterMillis));
        }
        return silent;
    }
}
