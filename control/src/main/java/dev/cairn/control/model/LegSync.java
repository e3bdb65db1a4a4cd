package dev.cairn.control.model;

import dev.cairn.control.api.AgentApi;
import java.util.Optional;

/** A leg as the agent serving its volume last reported it; {@code error}: why it failed, if it did. */
public record LegSync(AgentApi.LegSyncState state, Optional<String> error) {}
