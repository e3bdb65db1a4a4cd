package dev.cairn.control.model;

/** Whether a node is heard from. */
public enum NodeState {
    /** Heartbeats arrive. */
    ONLINE,
    /** No heartbeat within the offline interval; nothing new is placed on it. */
    OFFLINE
}
