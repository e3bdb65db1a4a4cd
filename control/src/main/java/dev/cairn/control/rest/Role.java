package dev.cairn.control.rest;

/** What a bearer token may do. */
public enum Role {
    /** Everything. */
    ADMIN,
    /** Read anything, change nothing. */
    READ,
    /** The storage nodes' calls: register, heartbeat, fetch desired extents. */
    NODE
}
