package dev.cairn.control.state;

import dev.cairn.control.model.AgentRecord;
import dev.cairn.control.model.NodeRecord;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When this peer last heard from each node and agent, kept in memory and never replicated: a
 * heartbeat that changes nothing else is not a log entry (with a thousand nodes heartbeating every
 * few seconds the log would grow by hundreds of entries a second for nothing). The replicated
 * state keeps the time of the last heartbeat that did change something; the time shown and judged
 * is the later of the two. On a new leader this is empty: the offline monitor gives every node one
 * offline-after period before judging it, and nodes heartbeating to it fill it meanwhile. A
 * follower that takes such a heartbeat passes it on to the leader ({@link
 * ReplicatedState#heard}), outside the log, since the leader is the one that judges.
 *
 * <p>Thread-safe: the REST handlers write it, the offline monitor and the views read it.
 */
public final class Liveness {
    /** That a node ({@code agent} false: {@code who} is its id) or an agent (its host) was heard from. */
    public record Heard(boolean agent, String who, long atMillis) {
        public static Heard node(UUID id, long atMillis) {
            return new Heard(false, id.toString(), atMillis);
        }

        public static Heard agent(String host, long atMillis) {
            return new Heard(true, host, atMillis);
        }

        /** As a follower passes it to the leader: {@code node ID MILLIS} or {@code agent HOST MILLIS}. */
        public byte[] encode() {
            return ((agent ? "agent " : "node ") + who + " " + atMillis).getBytes(StandardCharsets.UTF_8);
        }

        /** What {@link #encode} wrote; empty for anything else. */
        public static Optional<Heard> decode(byte[] bytes) {
            String[] parts = new String(bytes, StandardCharsets.UTF_8).split(" ", -1);
            if (parts.length != 3 || !(parts[0].equals("node") || parts[0].equals("agent"))) {
                return Optional.empty();
            }
            try {
                if (parts[0].equals("node")) {
                    UUID.fromString(parts[1]);
                }
                return Optional.of(new Heard(parts[0].equals("agent"), parts[1], Long.parseLong(parts[2])));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
    }

    private final Map<UUID, Long> nodes = new ConcurrentHashMap<>();
    private final Map<String, Long> agents = new ConcurrentHashMap<>();

    public void note(Heard heard) {
        if (heard.agent()) {
            heardAgent(heard.who(), heard.atMillis());
        } else {
            heardNode(UUID.fromString(heard.who()), heard.atMillis());
        }
    }

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
