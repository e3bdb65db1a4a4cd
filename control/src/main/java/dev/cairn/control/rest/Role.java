package dev.cairn.control.rest;

/** What a bearer token may do. */
public enum Role {
    /** Everything. */
    ADMIN,
    /** Read anything, change nothing. */
    READ,
    /**
     * The calls of storage nodes (register, heartbeat, fetch desired extents) and client agents
     * (heartbeat, fetch attached volumes).
     */
    NODE
}
