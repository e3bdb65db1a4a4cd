package dev.cairn.control.placement;

import java.util.UUID;

/** Where one leg goes: a drive of a node, and the value of the spread label it takes. */
public record PlacedLeg(UUID nodeId, UUID driveId, String domain) {}
