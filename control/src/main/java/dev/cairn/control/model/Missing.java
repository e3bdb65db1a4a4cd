package dev.cairn.control.model;

import java.util.Optional;

/**
 * Why a leg counts as missing, judged from both sides: its node stopped heartbeating ({@code
 * nodeOffline}), and/or the agent serving its volume reports it failed ({@code agentError}, the
 * agent's reason). The node heartbeating while the agent cannot reach it is a network problem, not
 * a dead node. {@code sinceMillis}: when the leg first went missing; it keeps that time while
 * either side still sees it missing.
 */
public record Missing(long sinceMillis, boolean nodeOffline, Optional<String> agentError) {

    /** One line for an operator. */
    public String describe() {
        if (nodeOffline && agentError.isPresent()) {
            return "node heartbeat lost; the agent reports: " + agentError.get();
        }
        if (nodeOffline) {
            return "node heartbeat lost";
        }
        return "node alive but the agent cannot reach it (network problem): " + agentError.orElse("failed");
    }
}
