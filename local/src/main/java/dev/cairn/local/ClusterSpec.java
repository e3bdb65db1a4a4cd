package dev.cairn.local;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * What a local cluster is, kept in {@code DIR/cluster.json} by its first {@code up} so that every
 * later {@code up} brings back the same cluster at the same addresses: how many nodes in how many
 * zones, the drive size, the loopback ports (chosen free on the first up), and extra daemon
 * arguments (the demo shortens timeouts with them). The agent has no port: it serves the volumes on a
 * Unix socket in its directory ({@code agentNbdPort}, in files written before, is ignored).
 */
@JsonIgnoreProperties({"agentNbdPort"})
public record ClusterSpec(
        int format,
        int nodes,
        int zones,
        long driveSizeBytes,
        int controllerPort,
        int raftPort,
        List<NodePorts> nodePorts,
        int agentMetricsPort,
        List<String> controllerArgs,
        List<String> nodeArgs,
        List<String> agentArgs) {

    static final int FORMAT = 1;
    static final long MIN_DRIVE_BYTES = 64L << 20;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A node's NBD and admin API ports. */
    public record NodePorts(int nbd, int admin) {}

    public ClusterSpec {
        nodePorts = List.copyOf(nodePorts);
        controllerArgs = controllerArgs == null ? List.of() : List.copyOf(controllerArgs);
        nodeArgs = nodeArgs == null ? List.of() : List.copyOf(nodeArgs);
        agentArgs = agentArgs == null ? List.of() : List.copyOf(agentArgs);
    }

    /**
     * A new cluster's spec with free loopback ports. Refuses what cannot make a cluster: no nodes, no
     * zones, more zones than nodes or letters, drives under 64 MiB.
     */
    public static ClusterSpec create(
            int nodes,
            int zones,
            long driveSizeBytes,
            List<String> controllerArgs,
            List<String> nodeArgs,
            List<String> agentArgs)
            throws IOException {
        if (nodes < 1) {
            throw new IllegalArgumentException("--nodes must be at least 1 (was " + nodes + ")");
        }
        if (zones < 1 || zones > 26) {
            throw new IllegalArgumentException("--zones must be between 1 and 26 (was " + zones + ")");
        }
        if (zones > nodes) {
            throw new IllegalArgumentException(
                    zones + " zones need at least " + zones + " nodes (--nodes was " + nodes + ")");
        }
        if (driveSizeBytes < MIN_DRIVE_BYTES) {
            throw new IllegalArgumentException(
                    "--drive-size must be at least 64 MiB (was " + driveSizeBytes + " bytes)");
        }
        int[] ports = FreePorts.distinct(3 + 2 * nodes);
        List<NodePorts> nodePorts = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            nodePorts.add(new NodePorts(ports[3 + 2 * i], ports[4 + 2 * i]));
        }
        return new ClusterSpec(
                FORMAT,
                nodes,
                zones,
                driveSizeBytes,
                ports[0],
                ports[1],
                nodePorts,
                ports[2],
                controllerArgs,
                nodeArgs,
                agentArgs);
    }

    /** The zone of node {@code index} (0-based): a, b, c, ... round robin. */
    public String zone(int index) {
        return String.valueOf((char) ('a' + index % zones));
    }

    /** The name of node {@code index} (0-based): node-1, node-2, ... */
    public static String nodeName(int index) {
        return "node-" + (index + 1);
    }

    static ClusterSpec read(Path file) throws IOException {
        ClusterSpec spec;
        try {
            spec = JSON.readValue(file.toFile(), ClusterSpec.class);
        } catch (IOException e) {
            throw new IOException(file + " is not a Cairn local cluster description: " + e.getMessage(), e);
        }
        if (spec.format() != FORMAT) {
            throw new IOException(file + " has format " + spec.format() + "; this Cairn reads format " + FORMAT);
        }
        return spec;
    }

    void write(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), this);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
