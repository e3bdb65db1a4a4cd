package dev.cairn.control.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What the controller's REST API accepts. Absent optional fields are null. */
public final class Requests {
    /** Errors one node heartbeat may carry; a heartbeat with more is refused (400). */
    public static final int MAX_ERRORS = 100;

    /** Characters one reported error may have (a node's, or an agent's for a leg). */
    public static final int MAX_ERROR_CHARS = 1_000;

    private Requests() {}

    /**
     * Errors as a heartbeat may carry them: the first {@link #MAX_ERRORS} - 1 and a line counting
     * the rest, each cut to {@link #MAX_ERROR_CHARS}. A node with a failed drive may have an error
     * per extent; its heartbeat must still be taken, or it would be marked offline for it.
     */
    public static List<String> reportable(List<String> errors) {
        List<String> out = new ArrayList<>();
        for (String e : errors) {
            if (out.size() == MAX_ERRORS - 1 && errors.size() > MAX_ERRORS) {
                out.add("... and " + (errors.size() - out.size()) + " more errors");
                break;
            }
            out.add(reportable(e));
        }
        return List.copyOf(out);
    }

    /**
     * One error as the controller takes it: control characters (an exception message over several
     * lines) made spaces, cut to {@link #MAX_ERROR_CHARS} characters.
     */
    public static String reportable(String error) {
        StringBuilder b = new StringBuilder(Math.min(error.length(), MAX_ERROR_CHARS));
        for (int i = 0; i < error.length() && b.length() < MAX_ERROR_CHARS; i++) {
            char c = error.charAt(i);
            b.append(Character.isISOControl(c) ? ' ' : c);
        }
        if (error.length() > MAX_ERROR_CHARS) {
            b.setLength(MAX_ERROR_CHARS - 3);
            b.append("...");
        }
        return b.toString();
    }

    public record CreateVolume(
            String name,
            Long sizeBytes,
            @JsonProperty("class") String className) {}

    /**
     * A class has {@code replicas} or {@code ec} ("4+2"), not both; {@code spareNode} (erasure-coded
     * only): every drive keeps sparing space to rebuild a whole lost node, not only the largest drive.
     */
    public record CreateClass(
            String name,
            Integer replicas,
            String spreadAcross,
            String prefer,
            String repairTimeout,
            Long regionSizeBytes,
            String ec,
            Boolean spareNode) {

        /** Without sparing for a whole node. */
        public CreateClass(
                String name,
                Integer replicas,
                String spreadAcross,
                String prefer,
                String repairTimeout,
                Long regionSizeBytes,
                String ec) {
            this(name, replicas, spreadAcross, prefer, repairTimeout, regionSizeBytes, ec, null);
        }

        /** A replicated class. */
        public CreateClass(
                String name,
                Integer replicas,
                String spreadAcross,
                String prefer,
                String repairTimeout,
                Long regionSizeBytes) {
            this(name, replicas, spreadAcross, prefer, repairTimeout, regionSizeBytes, null, null);
        }
    }

    /** Add a leg to a volume, on {@code node} if given (else placed like a new volume's legs). */
    public record AddReplica(String node) {}

    /** Grow a volume to {@code sizeBytes} (never smaller than it is). */
    public record ResizeVolume(Long sizeBytes) {}

    public record Labels(Map<String, String> set, List<String> remove) {}

    /** The spread of the drives' fill fractions the rebalance keeps the cluster within, in percentage points. */
    public record SetRebalance(Double spreadPoints) {}

    /** A drive as its node reports it. */
    public record DriveReport(String id, long capacityBytes, long dataBytes, long usedBytes, long largestFreeBytes) {}

    /**
     * A node announces itself. {@code name}: what operators call it, unique in the cluster; absent
     * (not given, or a node older than names), the node keeps the name it has, or is named after
     * its {@code host} label (with the start of its id when another node has that name).
     */
    public record Register(
            String nbdAddress, String adminUrl, Map<String, String> labels, List<DriveReport> drives, String name) {}

    /**
     * An extent as its node reports it. Ids are text here, as in every request: the controller
     * checks them and says which one is not an id ({@link Views.ExtentView} is what it answers).
     * {@code kind}: "data", "kv" or "bstore" (absent from nodes older than BStores: data or kv).
     */
    public record ExtentReport(
            String id, String driveId, long sizeBytes, boolean erasing, long generation, String kind) {
        public ExtentReport(String id, String driveId, long sizeBytes, boolean erasing, long generation) {
            this(id, driveId, sizeBytes, erasing, generation, null);
        }
    }

    /** A copy of a leg as its node reports it ({@link Views.CopyView} says what the fields mean). */
    public record CopyReport(
            String extentId,
            long generation,
            String state,
            long doneBytes,
            long totalBytes,
            long bytesPerSecond,
            String message) {}

    /**
     * {@code reconciledIndex}: applied index of the last desired state the node converged on.
     * {@code copies}: the copies of legs the node makes (absent: none).
     */
    public record Heartbeat(
            List<DriveReport> drives,
            List<ExtentReport> extents,
            List<String> errors,
            Long reconciledIndex,
            List<CopyReport> copies) {}

    /** Room for {@code keys} more DKV keys; waits at most {@code waitMillis} for new shards to be usable. */
    public record ReserveDkv(Long keys, Long waitMillis) {}
}
