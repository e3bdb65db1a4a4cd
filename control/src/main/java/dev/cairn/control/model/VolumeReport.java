package dev.cairn.control.model;

import dev.cairn.control.api.AgentApi;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * What the agent a volume is attached to last reported of it, under attachment generation {@code
 * generation}: each leg's state by extent id, and the resync progress. Kept only while attached to
 * that agent at that generation; a new attachment starts without one.
 */
public record VolumeReport(
        UUID volumeId, long generation, SortedMap<UUID, LegSync> legs, AgentApi.ResyncReport resync) {

    public VolumeReport {
        legs = Collections.unmodifiableSortedMap(new TreeMap<>(legs));
    }
}
