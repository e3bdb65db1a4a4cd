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

    public record Labels(Map<String, String> set, List<String> remove) {}

    public record Register(
            String nbdAddress, String adminUrl, Map<String, String> labels, List<Views.DriveView> drives) {}

    /** {@code reconciledIndex}: applied index of the last desired state the node converged on. */
    public record Heartbeat(
            List<Views.DriveView> drives, List<Views.ExtentView> extents, List<String> errors, Long reconciledIndex) {}
}
