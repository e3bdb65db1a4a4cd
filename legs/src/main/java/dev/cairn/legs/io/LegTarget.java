package dev.cairn.legs.io;

import java.net.InetSocketAddress;
import java.util.UUID;

/**
 * Where one leg is and how to open it: the node's NBD address and the export name carrying the
 * attachment's generation and the extent's secret. {@code kept}: the leg was replaced after it
 * went missing; it may be taken back if it can catch up from the bitmap, and is never given a full
 * copy (its replacement is getting one). {@code moving} (a BStore): it is being rebuilt elsewhere
 * while it is well; it stays in use until its replacement takes its place.
 */
public record LegTarget(
        int index,
        UUID extentId,
        UUID nodeId,
        InetSocketAddress address,
        String exportName,
        long extentSizeBytes,
        boolean kept,
        boolean moving) {

    /** A leg that is not kept. */
    public LegTarget(
            int index, UUID extentId, UUID nodeId, InetSocketAddress address, String exportName, long extentSizeBytes) {
        this(index, extentId, nodeId, address, exportName, extentSizeBytes, false);
    }

    /** A leg that is not moving. */
    public LegTarget(
            int index,
            UUID extentId,
            UUID nodeId,
            InetSocketAddress address,
            String exportName,
            long extentSizeBytes,
            boolean kept) {
        this(index, extentId, nodeId, address, exportName, extentSizeBytes, kept, false);
    }

    /**
     * What a node says when it refuses an extent because it has not yet applied the generation
     * asked for (its controller told the client first): trying again shortly succeeds.
     */
    public static final String NOT_YET_AT_GENERATION = "has not yet applied generation";

    /** The export name a storage node expects for an extent opened under {@code generation}. */
    public static String exportName(UUID extentId, long generation, String secret) {
        return extentId + ";gen=" + generation + ";key=" + secret;
    }

    /** Parses "host:port" (the node's advertised NBD address). */
    public static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("NBD address '" + hostPort + "' is not host:port");
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("NBD address '" + hostPort + "' has no numeric port");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    @Override
    public String toString() {
        return "leg " + index + " (extent " + extentId + " on node " + nodeId + " at " + address.getHostString() + ":"
                + address.getPort() + (kept ? ", kept" : "") + ")";
    }
}
