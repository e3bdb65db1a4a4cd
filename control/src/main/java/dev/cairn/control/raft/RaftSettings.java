package dev.cairn.control.raft;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How this controller peer takes part in the replicated state.
 *
 * @param peerId this peer's id (one of {@code peers})
 * @param peers every peer of the controller group: one for a single controller, three or five for
 *     high availability (every peer must be given the same list)
 * @param dataDir where this peer keeps its log and snapshots ({@code DIR/raft})
 * @param electionTimeout the shortest time without a leader's heartbeat before a follower calls an
 *     election; the longest is twice that
 * @param requestTimeout how long a command or read may wait for a leader before it fails
 * @param snapshotEvery log entries between snapshots (the log before a snapshot is then dropped)
 */
public record RaftSettings(
        String peerId,
        List<Peer> peers,
        Path dataDir,
        Duration electionTimeout,
        Duration requestTimeout,
        long snapshotEvery) {

    /** One controller peer and the address its replication port listens on. */
    public record Peer(String id, InetSocketAddress address) {
        static final Pattern ID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_-]{0,31}");

        public Peer {
            if (!ID.matcher(id).matches()) {
                throw new IllegalArgumentException(
                        "controller peer id '" + id + "' must be letters, digits, '_' or '-' (up to 32)");
            }
        }

        public String hostPort() {
            return address.getHostString() + ":" + address.getPort();
        }
    }

    private static final Pattern PEER = Pattern.compile("([^=,]+)=([^,:]+):(\\d{1,5})");

    public RaftSettings {
        peers = List.copyOf(peers);
        if (peers.isEmpty()) {
            throw new IllegalArgumentException("a controller group needs at least one peer");
        }
        if (peers.stream().map(Peer::id).distinct().count() != peers.size()) {
            throw new IllegalArgumentException("controller peer ids must be distinct: " + peers);
        }
        if (peers.stream().noneMatch(p -> p.id().equals(peerId))) {
            throw new IllegalArgumentException(
                    "this controller's id '" + peerId + "' is not among the peers " + describe(peers));
        }
        if (electionTimeout.toMillis() < 100) {
            throw new IllegalArgumentException("election timeout must be at least 100 ms, got " + electionTimeout);
        }
        if (snapshotEvery < 1) {
            throw new IllegalArgumentException("snapshotEvery must be positive");
        }
    }

    /** The peer this controller is. */
    public Peer self() {
        return peers.stream().filter(p -> p.id().equals(peerId)).findFirst().orElseThrow();
    }

    /** Parses {@code id=host:port[,id=host:port...]}. */
    public static List<Peer> parsePeers(String text) {
        List<Peer> peers = new ArrayList<>();
        for (String one : text.split(",", -1)) {
            Matcher m = PEER.matcher(one.strip());
            if (!m.matches()) {
                throw new IllegalArgumentException(
                        "controller peer '" + one + "' is not ID=HOST:PORT (e.g. c1=10.0.0.1:8401)");
            }
            int port = Integer.parseInt(m.group(3));
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("controller peer '" + one + "': port " + port + " is out of range");
            }
            peers.add(new Peer(m.group(1).strip(), InetSocketAddress.createUnresolved(m.group(2), port)));
        }
        return peers;
    }

    static String describe(List<Peer> peers) {
        return String.join(
                ",", peers.stream().map(p -> p.id() + "=" + p.hostPort()).toList());
    }
}
