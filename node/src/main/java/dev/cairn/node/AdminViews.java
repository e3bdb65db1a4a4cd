package dev.cairn.node;

import dev.cairn.drive.Drive;
import dev.cairn.drive.ExtentRecord;
import dev.cairn.drive.SpaceUsage;
import java.util.List;
import java.util.Map;

/** The JSON shapes of the admin API. Secrets never leave the node; only whether one is set. */
final class AdminViews {
    private AdminViews() {}

    record Problem(String error) {}

    record Health(String status, String nodeId, int drives, int extents) {}

    record NodeView(
            String nodeId,
            Map<String, String> labels,
            String nbdAddress,
            long dataBytes,
            long usedBytes,
            long freeBytes,
            List<DriveView> drives) {}

    record DriveView(
            String id,
            String path,
            long capacityBytes,
            long dataBytes,
            long usedBytes,
            long freeBytes,
            long largestFreeBytes,
            int extents) {

        static DriveView of(Drive d, String path) {
            SpaceUsage u = d.usage();
            return new DriveView(
                    d.id().toString(),
                    path,
                    d.label().capacityBytes(),
                    u.dataBytes(),
                    u.usedBytes(),
                    u.freeBytes(),
                    u.largestFreeBytes(),
                    u.extentCount());
        }
    }

    record ExtentView(
            String id,
            String driveId,
            long driveOffset,
            long sizeBytes,
            String state,
            long generation,
            boolean secretRequired,
            String export,
            long createdAtMillis,
            String kind) {

        static ExtentView of(ExtentService.Located l) {
            ExtentRecord r = l.record();
            return new ExtentView(
                    r.id().toString(),
                    l.drive().id().toString(),
                    r.offset(),
                    r.sizeBytes(),
                    r.state().name(),
                    r.access().generation(),
                    r.access().requiresSecret(),
                    r.id().toString(),
                    r.createdAtMillis(),
                    r.kind().name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** POST /v1/extents. Only sizeBytes is required; kind is "data" (the default) or "kv" (a KV volume of the DKV). */
    record CreateExtent(String id, Long sizeBytes, String driveId, Long generation, String secret, String kind) {}

    /** PUT /v1/extents/{id}/access. */
    record SetAccess(Long generation, String secret) {}
}
