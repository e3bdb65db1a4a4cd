package dev.cairn.control.model;

import java.util.UUID;

/** An extent as a node reported it in its inventory. */
public record ObservedExtent(UUID id, UUID driveId, long sizeBytes, boolean erasing, long generation) {}
