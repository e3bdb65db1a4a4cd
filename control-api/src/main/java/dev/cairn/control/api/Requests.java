package dev.cairn.control.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/** What the controller's REST API accepts. Absent optional fields are null. */
public final class Requests {
    private Requests() {}

    public record CreateVolume(
            String name,
            Long sizeBytes,
            @JsonProperty("class") String className) {}

    public record CreateClass(
            String name,
            Integer replicas,
            String spreadAcross,
            String prefer,
            String repairTimeout,
            Long regionSizeBytes) {}

    /** Add a leg to a volume, on {@code node} if given (else placed like a new volume's legs). */
    public record AddReplica(String node) {}

    public record Labels(Map<String, String> set, List<String> remove) {}

    /** A drive as its node reports it. */
    public record DriveReport(String id, long capacityBytes, long dataBytes, long usedBytes, long largestFreeBytes) {}

    public record Register(String nbdAddress, String adminUrl, Map<String, String> labels, List<DriveReport> drives) {}

    /**
     * {@code reconciledIndex}: applied index of the last desired state the node converged on.
     * {@code copies}: the copies of legs the node makes (absent: none).
     */
    public record Heartbeat(
            List<DriveReport> drives,
            List<Views.ExtentView> extents,
            List<String> errors,
            Long reconciledIndex,
            List<CopyReport> copies) {}

    /**
     * How a node's copy of leg {@code extentId} (at {@code generation}) is going: {@code state} is
     * COPYING, DONE (the leg is in sync), WAITING (it cannot start yet, {@code message} says why)
     * or FAILED (it is retried; {@code message} says why).
     */
    public record CopyReport(
            String extentId,
            long generation,
            String state,
            long doneBytes,
            long totalBytes,
            long bytesPerSecond,
            String message) {}
}
