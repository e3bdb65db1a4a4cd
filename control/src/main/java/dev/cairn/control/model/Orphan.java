package dev.cairn.control.model;

import java.util.UUID;

/**
 * An extent a node holds that the controller no longer wants (a leg of a deleted volume, or one it
 * never knew). The node erases and frees it; the orphan is gone once the node reports it gone.
 */
public record Orphan(UUID extentId, UUID nodeId, long sizeBytes, long sinceMillis, String reason) {}
