package dev.cairn.control.model;

import java.util.UUID;

/**
 * One full replica of a volume: an extent on one drive of one node, with the secret and generation
 * a client needs to open it.
 */
public record Leg(
        int index,
        UUID nodeId,
        UUID driveId,
        UUID extentId,
        long extentSizeBytes,
        long generation,
        String secret,
        LegState state) {

    public Leg withState(LegState newState) {
        return new Leg(index, nodeId, driveId, extentId, extentSizeBytes, generation, secret, newState);
    }

    public Leg withGeneration(long newGeneration) {
        return new Leg(index, nodeId, driveId, extentId, extentSizeBytes, newGeneration, secret, state);
    }
}
