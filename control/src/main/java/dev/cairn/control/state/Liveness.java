package dev.cairn.control.state;

import dev.cairn.control.model.AgentRecord;
import dev.cairn.control.model.NodeRecord;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When this peer last heard from each node and agent, kept in memory and never replicated: a
 * heartbeat that changes nothing else is not a log entry (with a thousand nodes heartbeating every
 * few seconds the log would grow by hundreds of entries a second for nothing). The replicated
 * state keeps the time of the last heartbeat that did change something; the time shown and judged
 * is the later of the two. On a new leader this is empty: the offline monitor gives every node one
 * offline-after period before judging it, and nodes heartbeating to it fill it meanwhile.
 *
 * <p>Thread-safe: the REST handlers write it, the offline monitor and the views read it.
 */
public final class Liveness {
    private final Map<UUID, Long> nodes = new ConcurrentHashMap<>();
    private final Map<String, Long> agents = new ConcurrentHashMap<>();

    public void heardNode(UUID node, long atMillis) {
        nodes.merge(node, atMillis, Math::max);
    }

    public void heardAgent(String host, long atMillis) {
        agents.merge(host, atMillis, Math::max);
    }

    /** When {@code n} was last heard from: by this peer, or in the replicated state. */
    public long lastHeard(NodeRecord n) {
        return Math.max(n.lastHeartbeatMillis(), nodes.getOrDefault(n.id(), Long.MIN_VALUE));
    }

    /** When {@code a} was last heard from: by this peer, or in the replicated state. */
    public long lastHeard(AgentRecord a) {
        return Math.max(a.lastHeartbeatMillis(), agents.getOrDefault(a.host(), Long.MIN_VALUE));
    }
}
